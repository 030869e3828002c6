package main

import "testing"

// Without JAYAYA_PUBLIC_URL, links (the first admin's setup link, chat
// links) point where serve listens, so a changed port still works.
func TestPublicURLFollowsTheListenAddress(t *testing.T) {
	t.Parallel()
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "http://localhost:8080"},
		{map[string]string{"JAYAYA_ADDR": "127.0.0.1:18080"}, "http://127.0.0.1:18080"},
		{map[string]string{"JAYAYA_ADDR": ":9000"}, "http://localhost:9000"},
		{map[string]string{"JAYAYA_ADDR": "0.0.0.0:9000"}, "http://localhost:9000"},
		{map[string]string{"JAYAYA_ADDR": "[::1]:9000"}, "http://[::1]:9000"},
		{map[string]string{"JAYAYA_ADDR": ":9000", "JAYAYA_PUBLIC_URL": "https://crm.example.com/"}, "https://crm.example.com"},
	}
	for _, c := range cases {
		cfg, err := LoadConfig(envFunc(c.env))
		if err != nil {
			t.Fatalf("%v: %v", c.env, err)
		}
		if cfg.PublicURL != c.want {
			t.Errorf("%v: public URL %q, want %q", c.env, cfg.PublicURL, c.want)
		}
		if set := c.env["JAYAYA_PUBLIC_URL"] != ""; cfg.PublicURLSet != set {
			t.Errorf("%v: PublicURLSet %v, want %v", c.env, cfg.PublicURLSet, set)
		}
	}
}
