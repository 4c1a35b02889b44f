package matrix

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/png" // image.DecodeConfig reads PNG sizes
	"net/http"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto/attachment"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/entraide/entraide/bot"
)

// SendFile implements bot.FileSender: the file goes to the media
// repository, then into the room as m.image (a PNG, shown inline) or
// m.file, with r.Text as its caption. In an encrypted room the file is
// encrypted before upload, as Matrix clients expect. A private file (a
// member's statement) goes to the member's direct chat, as SendPrivate
// does.
func (a *Adapter) SendFile(ctx context.Context, t bot.Target, r bot.Reply) (bot.MessageID, error) {
	f := r.File
	if f == nil {
		if r.Private {
			return a.SendPrivate(ctx, t, r)
		}
		return a.Send(ctx, t, r)
	}
	if err := a.waitReady(ctx); err != nil {
		return "", err
	}
	if r.Private {
		pt, err := a.privateTarget(ctx, t)
		if err != nil {
			return "", err
		}
		t = pt
	}
	var textID id.EventID
	if r.Markdown && r.Text != "" {
		// A long text (a newsletter) is a message of its own, the file
		// follows it under its alt text: a caption is for a line.
		text := r
		text.File, text.Private = nil, false
		var err error
		if textID, err = a.post(ctx, id.RoomID(t.Room), event.EventMessage, a.render(t, text)); err != nil {
			return "", err
		}
		r.Text, r.Mentions = "", nil
	}
	room := id.RoomID(t.Room)
	mime := f.MIME
	if mime == "" {
		mime = http.DetectContentType(f.Data)
	}
	c := &event.MessageEventContent{MsgType: event.MsgFile, Info: &event.FileInfo{MimeType: mime, Size: len(f.Data)}}
	if mime == "image/png" {
		c.MsgType = event.MsgImage
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(f.Data)); err == nil {
			c.Info.Width, c.Info.Height = cfg.Width, cfg.Height
		}
	}
	data, uploadMIME := f.Data, mime
	var enc *attachment.EncryptedFile
	if a.rooms.isEncrypted(ctx, a, room) {
		enc = attachment.NewEncryptedFile()
		// Encrypt copies rather than encrypting in place: the same file
		// (a newsletter's chart) may go to other rooms after this one.
		//lint:ignore SA1019 the copy is the point
		data, uploadMIME = enc.Encrypt(f.Data), "application/octet-stream"
	}
	var up *mautrix.RespMediaUpload
	// Uploading again after a failure at worst leaves an unused copy.
	err := a.retry(ctx, opIdempotent, "upload", []any{"room", room, "file", f.Name}, func(ctx context.Context) error {
		var err error
		up, err = a.client.UploadMedia(ctx, mautrix.ReqUploadMedia{ContentBytes: data, ContentType: uploadMIME, FileName: f.Name})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("matrix: upload %s: %w", f.Name, err)
	}
	if enc != nil {
		c.File = &event.EncryptedFileInfo{EncryptedFile: *enc, URL: up.ContentURI.CUString()}
	} else {
		c.URL = up.ContentURI.CUString()
	}
	c.FileName = f.Name
	caption := a.render(t, r)
	c.Body, c.Mentions, c.RelatesTo = f.Name, caption.Mentions, caption.RelatesTo
	if f.Alt != "" {
		c.Body = f.Alt
	}
	if r.Text != "" {
		c.Body, c.Format, c.FormattedBody = r.Text, caption.Format, caption.FormattedBody
	}
	evtID, err := a.post(ctx, room, event.EventMessage, c)
	if textID != "" {
		return bot.MessageID(textID), err
	}
	return bot.MessageID(evtID), err
}
