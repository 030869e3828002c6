package slacktest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// The external upload flow, as slack-go's UploadFile (formerly UploadFileV2)
// drives it: files.getUploadURLExternal, a POST of the bytes to the URL it
// returns, then files.completeUploadExternal to share the file.

// files.getUploadURLExternal: reserves a file ID and an upload URL on the
// fake's own host (slack-go only sends the token to the API's host).
func (s *Server) filesGetUploadURLExternal(r *apiRequest) (obj, error) {
	name := r.str("filename")
	size, err := strconv.Atoi(r.str("length"))
	if name == "" || err != nil || size <= 0 {
		return nil, slackError("invalid_arguments")
	}
	st := s.state
	var id string
	_ = st.update(func() error {
		id = st.newIDLocked("F")
		mt, _, _ := mime.ParseMediaType(mime.TypeByExtension(path.Ext(name)))
		st.addFileLocked(&File{ID: id, Name: name, Title: name, Mimetype: mt, Size: size,
			AltTxt: r.str("alt_txt"), User: st.cfg.BotUserID, Created: st.now()})
		return nil
	})
	return obj{"upload_url": s.URL() + "/upload/v1/" + id, "file_id": id}, nil
}

// serveUpload receives a file's bytes, multipart (field "file") as slack-go
// sends them, or raw.
func (s *Server) serveUpload(w http.ResponseWriter, hr *http.Request) {
	id := hr.PathValue("file")
	content, err := readUpload(hr)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	st := s.state
	err = st.update(func() error {
		f := st.files[id]
		if f == nil || f.Uploaded {
			return slackError("file_not_found")
		}
		f.Content, f.Uploaded = content, true
		return nil
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = fmt.Fprintf(w, "OK - %d", len(content))
}

// maxUpload is the largest file the fake takes, as Slack (1 GB).
const maxUpload = 1 << 30

func readUpload(hr *http.Request) ([]byte, error) {
	ctype, params, _ := mime.ParseMediaType(hr.Header.Get("Content-Type"))
	if !strings.HasPrefix(ctype, "multipart/") {
		return readCapped(hr.Body)
	}
	mr := multipart.NewReader(hr.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil, fmt.Errorf("no file part: %w", err)
		}
		if p.FormName() == "file" || p.FileName() != "" {
			return readCapped(p)
		}
	}
}

func readCapped(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxUpload+1))
	if err == nil && len(b) > maxUpload {
		err = fmt.Errorf("file larger than %d bytes", maxUpload)
	}
	return b, err
}

// files.completeUploadExternal: finishes uploads and shares them, with
// initial_comment or blocks, into channel_id / channels, in thread_ts.
func (s *Server) filesCompleteUploadExternal(r *apiRequest) (obj, error) {
	var summaries []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if json.Unmarshal(r.raw("files"), &summaries) != nil || len(summaries) == 0 {
		return nil, slackError("invalid_arguments")
	}
	var targets []string
	if c := r.str("channel_id"); c != "" {
		targets = append(targets, c)
	}
	for _, c := range strings.Split(r.str("channels"), ",") {
		if c = strings.TrimSpace(c); c != "" {
			targets = append(targets, c)
		}
	}
	comment, blocks := r.str("initial_comment"), r.raw("blocks")
	if err := checkContent(comment, blocks, nil, false); err != nil {
		return nil, err
	}
	st := s.state
	var out obj
	err := st.update(func() error {
		var files []*File
		for _, sum := range summaries {
			f := st.files[sum.ID]
			if f == nil || !f.Uploaded || f.Deleted {
				return slackError("file_not_found")
			}
			if sum.Title != "" {
				f.Title = sum.Title
			}
			files = append(files, f)
		}
		var shares []func()
		for _, target := range targets {
			cs, err := st.postChannelLocked(target)
			if err != nil {
				return err
			}
			m := &Message{Channel: cs.info.ID, User: st.cfg.BotUserID, BotID: st.cfg.BotID,
				SubType: "file_share", Text: comment, Blocks: blocks}
			if ts := r.str("thread_ts"); ts != "" {
				if m.ThreadTS, err = cs.threadRoot(ts); err != nil {
					return err
				}
			}
			shares = append(shares, func() {
				for _, f := range files {
					f.Channels, f.ThreadTS = append(f.Channels, cs.info.ID), m.ThreadTS
					m.Files = append(m.Files, f.ID)
				}
				m.TS, m.Posted = st.messageTSLocked(cs), st.now()
				cs.add(m)
			})
		}
		for _, share := range shares { // only once every target is known good
			share()
		}
		var ws []obj
		for _, f := range files {
			ws = append(ws, st.wireFileLocked(f))
		}
		out = obj{"files": ws}
		return nil
	})
	return out, err
}

// serveFile serves a file's bytes at its url_private, to the bot token only.
func (s *Server) serveFile(w http.ResponseWriter, hr *http.Request) {
	tok, _ := strings.CutPrefix(hr.Header.Get("Authorization"), "Bearer ")
	if tok != s.cfg.BotToken {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	key := hr.PathValue("file")
	f, ok := s.state.File(key[strings.LastIndex(key, "-")+1:])
	if ok {
		s.state.countDownload(f.ID)
		if status := s.faults.download(f.Name); status != 0 {
			http.Error(w, http.StatusText(status), status)
			return
		}
	}
	if !ok || !f.Uploaded || f.Deleted {
		http.NotFound(w, hr)
		return
	}
	ctype := f.Mimetype
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	_, _ = w.Write(f.Content)
}

// files.delete: deletes a file the bot uploaded (a bot token may not
// delete users' files); it is no longer served nor shown on messages.
func (s *Server) filesDelete(r *apiRequest) (obj, error) {
	st := s.state
	err := st.update(func() error {
		f := st.files[r.str("file")]
		switch {
		case f == nil:
			return slackError("file_not_found")
		case f.Deleted:
			return slackError("file_deleted")
		case f.User != st.cfg.BotUserID:
			return slackError("cant_delete_file")
		}
		f.Deleted = true
		return nil
	})
	return obj{}, err
}
