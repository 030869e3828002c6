package main

import (
	"io"
	"log/slog"
)

// newLogger builds the process logger from JAYAYA_LOG_FORMAT and
// JAYAYA_LOG_LEVEL (already validated by LoadConfig).
func newLogger(cfg *Config, w io.Writer) *slog.Logger {
	var level slog.Level
	switch cfg.LogLevel {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	default:
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
