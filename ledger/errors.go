package ledger

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Code classifies an error for the edge that turns it into a reply. Store
// methods return *Error (or *LimitError) for anything a user caused; every
// other error is internal and belongs in logs only.
type Code string

const (
	ENOTFOUND   Code = "not_found"   // the exchange, account or operation does not exist
	EINVALID    Code = "invalid"     // the request breaks a rule of the ledger
	ECONFLICT   Code = "conflict"    // an idempotency key was reused for different content
	EFORBIDDEN  Code = "forbidden"   // the actor may not do this
	EEXPIRED    Code = "expired"     // the undo window has passed
	EREVERSED   Code = "reversed"    // the entry was already reversed
	ELIMIT      Code = "limit"       // see *LimitError
	EINTERNAL   Code = "internal"    // a bug or an I/O failure
	ENOTHING    Code = "nothing"     // there is nothing to act on (no gift to undo)
	ESELF       Code = "self"        // a member named themselves as a recipient
	ECORRECTION Code = "correction"  // a correction cannot itself be reversed
	EAPPROVAL   Code = "approval"    // a commons payment to its actor waits for another moderator
	ESAMEPERSON Code = "same_person" // the one who asked for it cannot approve it
)

// Error is a ledger error a user can be told about.
type Error struct {
	Code    Code
	Message string // English, for logs
}

func (e *Error) Error() string { return fmt.Sprintf("ledger %s: %s", e.Code, e.Message) }

func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// LimitKind names which community limit a transfer would cross.
type LimitKind string

const (
	LimitFloor     LimitKind = "floor"      // the giver would go below the lowest allowed balance
	LimitCeiling   LimitKind = "ceiling"    // a receiver would go above the highest allowed balance
	LimitMaxAmount LimitKind = "max_amount" // one transfer is larger than allowed
)

// LimitError reports a refused transfer with the numbers a reply needs.
type LimitError struct {
	Kind    LimitKind
	Account string // display name of the account that would cross it
	Limit   int64  // the limit, in minutes
	Balance int64  // the account's balance now, in minutes
	Amount  int64  // the amount that account would move, in minutes
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("ledger limit %s: %s balance %d, amount %d, limit %d", e.Kind, e.Account, e.Balance, e.Amount, e.Limit)
}

// codedError is a refusal that carries the data its reply needs, and the
// code that classifies it.
type codedError interface {
	error
	code() Code
}

// ErrorCode returns the code of err: ELIMIT for *LimitError, the code of an
// *Error, and EINTERNAL for anything else.
func ErrorCode(err error) Code {
	var lerr *LimitError
	if errors.As(err, &lerr) {
		return ELIMIT
	}
	var te *TextError
	if errors.As(err, &te) {
		return ETEXT
	}
	var ce codedError
	if errors.As(err, &ce) {
		return ce.code()
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// TooLongError refuses a text longer than the ledger keeps (EINVALID),
// with its length and the most allowed, in characters.
type TooLongError struct {
	Field       string // note, reason, proposal, news…
	Length, Max int
}

func (e *TooLongError) Error() string {
	return fmt.Sprintf("ledger: %s of %d characters, longer than %d", e.Field, e.Length, e.Max)
}

func (e *TooLongError) code() Code { return EINVALID }

// tooLong is the refusal of field's text s, longer than max characters.
func tooLong(field, s string, max int) error {
	return &TooLongError{Field: field, Length: utf8.RuneCountInString(s), Max: max}
}
