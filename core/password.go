package core

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: 19 MiB, 2 passes, 1 lane (OWASP's minimum).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
)

// Password length limits.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 1024
)

// HashPassword returns an argon2id hash of password in the PHC string format.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	var key []byte
	hashGate.run(context.Background(), gateFresh, func() {
		key = argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	})
	if key == nil {
		return "", gateBusy
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches hash. An empty or malformed
// hash matches nothing.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when a login is unknown, so that unknown
// users and wrong passwords take the same time.
var dummyHash, _ = HashPassword("jayaya-timing-equaliser")

// CheckPasswordOrDummy checks password against hash, or against a dummy hash
// when hash is empty, so that callers spend the same time either way.
func CheckPasswordOrDummy(hash, password string) bool {
	if hash == "" {
		CheckPassword(dummyHash, password)
		return false
	}
	return CheckPassword(hash, password)
}

// checkPasswordGated is CheckPasswordOrDummy through hashGate, waiting in
// queue q (gateFresh, gateClean, gateDirty). Errors: EBUSY when the
// queue is full, ctx's error when it ends first.
func checkPasswordGated(ctx context.Context, q int, hash, password string) (ok bool, err error) {
	err = hashGate.run(ctx, q, func() { ok = CheckPasswordOrDummy(hash, password) })
	return ok, err
}

func validatePassword(pw string) error {
	if len(pw) < MinPasswordLen {
		return InvalidN("password", "core.password.too_short", MinPasswordLen)
	}
	if len(pw) > MaxPasswordLen {
		return InvalidN("password", "core.password.too_long", MaxPasswordLen)
	}
	return nil
}
