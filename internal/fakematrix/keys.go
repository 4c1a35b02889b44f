package fakematrix

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// ---- account data ----

func (hs *Server) handlePutAccountData(w http.ResponseWriter, r *http.Request, s session) {
	var content json.RawMessage
	if !decodeBody(w, r, &content) || !ownPath(w, r, s) {
		return
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.accountData[s.user] == nil {
		hs.accountData[s.user] = map[string]json.RawMessage{}
	}
	hs.accountData[s.user][r.PathValue("type")] = content
	writeJSON(w, map[string]any{})
}

func (hs *Server) handleGetAccountData(w http.ResponseWriter, r *http.Request, s session) {
	if !ownPath(w, r, s) {
		return
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	content, ok := hs.accountData[s.user][r.PathValue("type")]
	if !ok {
		writeErr(w, http.StatusNotFound, "M_NOT_FOUND", "Account data not found")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(content)
}

// ---- end-to-end encryption: keys and to-device messages ----

func (hs *Server) handleKeysUpload(w http.ResponseWriter, r *http.Request, s session) {
	var req struct {
		DeviceKeys  json.RawMessage            `json:"device_keys"`
		OneTimeKeys map[string]json.RawMessage `json:"one_time_keys"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if len(req.DeviceKeys) > 0 && string(req.DeviceKeys) != "null" {
		if hs.deviceKeys[s.user] == nil {
			hs.deviceKeys[s.user] = map[string]json.RawMessage{}
		}
		hs.deviceKeys[s.user][s.device] = req.DeviceKeys
		hs.pos++
		hs.keyChanges = append(hs.keyChanges, keyChange{pos: hs.pos, user: s.user})
		hs.changed()
	}
	if hs.otks[s.user] == nil {
		hs.otks[s.user] = map[string]map[string]json.RawMessage{}
	}
	if hs.otks[s.user][s.device] == nil {
		hs.otks[s.user][s.device] = map[string]json.RawMessage{}
	}
	maps.Copy(hs.otks[s.user][s.device], req.OneTimeKeys)
	n := 0
	for kid := range hs.otks[s.user][s.device] {
		if strings.HasPrefix(kid, "signed_curve25519:") {
			n++
		}
	}
	writeJSON(w, map[string]any{"one_time_key_counts": map[string]any{"signed_curve25519": n}})
}

func (hs *Server) handleKeysQuery(w http.ResponseWriter, r *http.Request, s session) {
	var req struct {
		DeviceKeys map[string][]string `json:"device_keys"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	out := map[string]any{}
	for user, devices := range req.DeviceKeys {
		keys := map[string]json.RawMessage{}
		for dev, k := range hs.deviceKeys[user] {
			if len(devices) == 0 || slices.Contains(devices, dev) {
				keys[dev] = k
			}
		}
		out[user] = keys
	}
	writeJSON(w, map[string]any{"device_keys": out, "failures": map[string]any{}})
}

func (hs *Server) handleKeysClaim(w http.ResponseWriter, r *http.Request, s session) {
	var req struct {
		OneTimeKeys map[string]map[string]string `json:"one_time_keys"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	out := map[string]any{}
	for user, devices := range req.OneTimeKeys {
		claimed := map[string]any{}
		for dev, alg := range devices {
			keys := hs.otks[user][dev]
			ids := slices.Sorted(maps.Keys(keys))
			for _, kid := range ids {
				if strings.HasPrefix(kid, alg+":") {
					claimed[dev] = map[string]json.RawMessage{kid: keys[kid]}
					delete(keys, kid)
					break
				}
			}
		}
		out[user] = claimed
	}
	writeJSON(w, map[string]any{"one_time_keys": out, "failures": map[string]any{}})
}

func (hs *Server) handleSendToDevice(w http.ResponseWriter, r *http.Request, s session) {
	var req struct {
		Messages map[string]map[string]json.RawMessage `json:"messages"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	for user, devices := range req.Messages {
		for dev, content := range devices {
			targets := []string{dev}
			if dev == "*" {
				targets = slices.Collect(maps.Keys(hs.deviceKeys[user]))
			}
			for _, d := range targets {
				if hs.toDevice[user] == nil {
					hs.toDevice[user] = map[string][]toDeviceMsg{}
				}
				hs.pos++
				hs.toDevice[user][d] = append(hs.toDevice[user][d], toDeviceMsg{typ: r.PathValue("type"), sender: s.user, content: content})
			}
		}
	}
	hs.changed()
	writeJSON(w, map[string]any{})
}
