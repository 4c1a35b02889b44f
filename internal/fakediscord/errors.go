package fakediscord

import (
	"encoding/json"
	"net/http"
)

// Discord's JSON error codes (the "code" of an error body), as its
// documentation lists them.
const (
	codeGeneral             = 0
	codeUnknownChannel      = 10003
	codeUnknownGuild        = 10004
	codeUnknownMember       = 10007
	codeUnknownMessage      = 10008
	codeUnknownUser         = 10013
	codeUnknownWebhook      = 10015
	codeUnknownApplication  = 10002
	codeUnknownInteraction  = 10062
	codeInvalidWebhookToken = 50027
	codeInvalidFormBody     = 50035
	codeWrongChannelType    = 50024
	codeMissingPermissions  = 50013
	codeAlreadyAcknowledged = 40060
	codeArchivedThread      = 50083
	codeThreadExists        = 160004
	codeEmptyMessage        = 50006
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// apiError answers with Discord's error shape: {"message": …, "code": …}.
func apiError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"message": msg, "code": code})
}

// formError answers 400 "Invalid Form Body" (50035) with the errors
// object Discord nests under the offending field's path.
func formError(w http.ResponseWriter, path, code, msg string) {
	writeJSON(w, 400, map[string]any{
		"message": "Invalid Form Body", "code": codeInvalidFormBody,
		"errors": map[string]any{path: map[string]any{"_errors": []any{map[string]any{"code": code, "message": msg}}}},
	})
}
