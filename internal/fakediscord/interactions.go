package fakediscord

import (
	"encoding/json"
	"net/http"
	"time"
)

func (f *Server) callback(w http.ResponseWriter, r *http.Request, id, token string, call *Call) {
	in := f.Interactions[id]
	if in == nil || in.Token != token || time.Since(in.Created) > f.ResponseWindow && !in.Acked {
		apiError(w, 404, codeUnknownInteraction, "Unknown interaction")
		return
	}
	if in.Acked {
		apiError(w, 400, codeAlreadyAcknowledged, "Interaction has already been acknowledged.")
		return
	}
	var cb struct {
		Type int             `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(call.Body, &cb); err != nil {
		apiError(w, 400, 50035, "Invalid Form Body")
		return
	}
	var created *Message
	switch cb.Type {
	case 4, 5:
		p, problem := readPayload(orEmpty(cb.Data), call.Files, cb.Type == 5)
		if problem != "" {
			apiError(w, 400, 50035, problem)
			return
		}
		created = f.newMessage(in.ChannelID, p, call.Files)
		created.InteractionID = in.ID
		created.Placeholder = cb.Type == 5
		in.Original = created
		if cb.Type == 4 {
			f.show(created)
		}
	case 6:
		if in.Type != 3 && in.Type != 5 {
			apiError(w, 400, 40043, "Interaction response type not valid for this interaction")
			return
		}
	case 8:
		if in.Type != 4 {
			apiError(w, 400, 40043, "Interaction response type not valid for this interaction")
			return
		}
		var ac struct {
			Choices []struct {
				Name  string `json:"name"`
				Value any    `json:"value"`
			} `json:"choices"`
		}
		if err := json.Unmarshal(cb.Data, &ac); err != nil || len(ac.Choices) > maxChoices {
			apiError(w, 400, codeInvalidFormBody, "Invalid Form Body: data.choices")
			return
		}
		for _, c := range ac.Choices {
			if n := runes(c.Name); n < 1 || n > maxChoiceName || c.Value == nil {
				apiError(w, 400, codeInvalidFormBody, "Invalid Form Body: data.choices.name")
				return
			}
		}
		in.Choices = cb.Data
	case 9:
		if in.Type != 2 && in.Type != 3 {
			apiError(w, 400, 40043, "Interaction response type not valid for this interaction")
			return
		}
		if problem := checkModal(cb.Data); problem != "" {
			apiError(w, 400, codeInvalidFormBody, "Invalid Form Body: "+problem)
			return
		}
		in.Modal = cb.Data
	default:
		apiError(w, 400, 50035, "Invalid interaction response type")
		return
	}
	in.Acked, in.Response, in.AckedAt = true, cb.Type, time.Now()
	if r.URL.Query().Get("with_response") != "true" {
		w.WriteHeader(204)
		return
	}
	res := map[string]any{"type": cb.Type}
	if created != nil {
		res["message"] = f.messageJSON(created)
	}
	writeJSON(w, 200, map[string]any{"interaction": map[string]any{"id": in.ID, "type": in.Type}, "resource": res})
}

func orEmpty(b json.RawMessage) []byte {
	if len(b) == 0 || string(b) == "null" {
		return []byte("{}")
	}
	return b
}

func (f *Server) interactionByToken(app, token string) *Interaction {
	if app != f.AppID {
		return nil
	}
	for _, in := range f.Interactions {
		if in.Token == token {
			return in
		}
	}
	return nil
}

// webhook answers follow-ups and the edits of an interaction's messages.
func (f *Server) webhook(w http.ResponseWriter, r *http.Request, seg []string, call *Call) {
	in := f.interactionByToken(seg[1], seg[2])
	if in == nil || !in.Acked {
		apiError(w, 404, codeUnknownWebhook, "Unknown Webhook")
		return
	}
	if time.Since(in.Created) > f.TokenLifetime {
		apiError(w, 401, codeInvalidWebhookToken, "Invalid Webhook Token")
		return
	}
	switch {
	case len(seg) == 3 && r.Method == "POST":
		p, problem := readPayload(call.Body, call.Files, false)
		if problem != "" {
			apiError(w, 400, 50035, problem)
			return
		}
		var m *Message
		if o := in.Original; o != nil && o.Placeholder && !o.Deleted {
			// Discord's rule: the first follow-up after a deferral
			// replaces the "thinking…", keeping its audience.
			flags := o.Flags
			f.apply(o, p, call.Files)
			o.Flags, o.Placeholder = flags, false
			m = o
		} else {
			m = f.newMessage(in.ChannelID, p, call.Files)
			m.InteractionID = in.ID
			in.Followups = append(in.Followups, m)
		}
		f.show(m)
		if r.URL.Query().Get("wait") == "true" {
			writeJSON(w, 200, f.messageJSON(m))
			return
		}
		w.WriteHeader(204)
	case len(seg) == 5 && seg[3] == "messages":
		var m *Message
		if seg[4] == "@original" {
			m = in.Original
		} else if mm := f.MessageLocked(seg[4]); mm != nil && mm.InteractionID == in.ID {
			m = mm
		}
		if m == nil || m.Deleted {
			apiError(w, 404, codeUnknownMessage, "Unknown Message")
			return
		}
		switch r.Method {
		case "GET":
			writeJSON(w, 200, f.messageJSON(m))
		case "DELETE":
			m.Deleted = true
			w.WriteHeader(204)
		case "PATCH":
			p, problem := readPayload(call.Body, call.Files, true)
			if problem != "" {
				apiError(w, 400, 50035, problem)
				return
			}
			flags := m.Flags
			f.apply(m, p, call.Files)
			m.Flags = flags
			if m.Placeholder {
				m.Placeholder = false
				f.show(m)
			} else {
				m.Edits++
			}
			writeJSON(w, 200, f.messageJSON(m))
		default:
			apiError(w, 405, 0, "405: Method Not Allowed")
		}
	default:
		apiError(w, 404, 0, "404: Not Found")
	}
}
