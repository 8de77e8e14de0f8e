package accounts

import "errors"

// Login failures. The servers answer a client the same way for all of them
// and log the difference.
var (
	ErrUnknown  = errors.New("accounts: no such account")
	ErrPassword = errors.New("accounts: wrong password")
	ErrLocked   = errors.New("accounts: account is locked")
	// ErrSecret: the stored password cannot be used (original MailQ hash,
	// damaged value, missing or different mailq.key).
	ErrSecret = errors.New("accounts: stored password cannot be used")
)

// Command failures.
var (
	ErrExists      = errors.New("accounts: account already exists")
	ErrAddress     = errors.New("accounts: not a usable mailbox address")
	ErrNewPassword = errors.New("accounts: password not accepted")
	ErrNoKey       = errors.New("accounts: mailq.key is missing")
)
