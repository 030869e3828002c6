DROP TABLE IF EXISTS login_ip_failures;
