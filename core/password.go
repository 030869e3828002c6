package core

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: 19 MiB, 2 passes, 1 lane (OWASP's minimum).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
)

// hashCost is what HashPassword spends on a new hash: argon2id memory
// (KiB) and passes, and the dummy hash checked for unknown logins, made
// at the same cost so that they take as long as a wrong password.
type hashCost struct {
	memory, time uint32
	dummy        string
}

// currentCost is the production cost, unless a test binary lowered it
// (SetTestPasswordCost).
var currentCost atomic.Pointer[hashCost]

func init() { currentCost.Store(newHashCost(argonMemory, argonTime)) }

func newHashCost(memory, time uint32) *hashCost {
	c := &hashCost{memory: memory, time: time}
	c.dummy, _ = hashWith(c, "jayaya-timing-equaliser")
	return c
}

// SetTestPasswordCost makes this test binary hash new passwords with
// memoryKiB of memory and the given passes instead of the production cost
// (19 MiB, 2 passes), for tests whose logins would spend most of their
// time hashing under the race detector. CheckPassword reads the cost from
// each hash, so hashes of either cost keep working. It panics outside a
// test binary: a production build always hashes at the real cost.
func SetTestPasswordCost(memoryKiB, passes uint32) {
	if !testing.Testing() {
		panic("core.SetTestPasswordCost called outside a test binary")
	}
	currentCost.Store(newHashCost(memoryKiB, passes))
}

// Password length limits.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 1024
)

// HashPassword returns an argon2id hash of password in the PHC string format.
func HashPassword(password string) (string, error) {
	return hashWith(currentCost.Load(), password)
}

// hashWith is HashPassword at cost c.
func hashWith(c *hashCost, password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	var key []byte
	hashGate.run(context.Background(), gateFresh, func() {
		key = argon2.IDKey([]byte(password), salt, c.time, c.memory, argonThreads, argonKeyLen)
	})
	if key == nil {
		return "", gateBusy
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, c.memory, c.time, argonThreads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
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

// CheckPasswordOrDummy checks password against hash, or against a dummy hash
// when hash is empty, so that callers spend the same time either way.
func CheckPasswordOrDummy(hash, password string) bool {
	if hash == "" {
		// The dummy hash, so that unknown users and wrong passwords
		// take the same time.
		CheckPassword(currentCost.Load().dummy, password)
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
