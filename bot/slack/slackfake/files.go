package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// File is a file uploaded the way Slack's external upload works
// (docs.slack.dev, "Uploading files"): files.getUploadURLExternal gives an
// upload URL and a file id, the bytes are POSTed there, and
// files.completeUploadExternal shares the file in a channel or thread.
type File struct {
	ID        string
	Name      string // as announced to files.getUploadURLExternal
	Length    int    // announced length
	Data      []byte // what was uploaded
	Title     string
	Channel   string
	ThreadTS  string
	Comment   string // initial_comment
	Completed bool
	Deleted   bool
}

// Files returns the uploaded files, in upload order.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []File
	for _, f := range s.files {
		out = append(out, *f)
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// fileMethod serves the Web API methods of files (s.mu is held).
func (s *Server) fileMethod(method string, form url.Values) map[string]any {
	switch method {
	case "files.getUploadURLExternal":
		n, err := strconv.Atoi(form.Get("length"))
		if form.Get("filename") == "" || err != nil || n <= 0 {
			return map[string]any{"ok": false, "error": "invalid_arguments"}
		}
		id := fmt.Sprintf("F%08d", len(s.files)+1)
		s.files[id] = &File{ID: id, Name: form.Get("filename"), Length: n}
		return map[string]any{"ok": true, "upload_url": s.srv.URL + "/upload/v1/" + id, "file_id": id}
	case "files.completeUploadExternal":
		var list []struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		}
		if json.Unmarshal([]byte(form.Get("files")), &list) != nil || len(list) == 0 {
			return map[string]any{"ok": false, "error": "invalid_arguments"}
		}
		var done []any
		for _, it := range list {
			f, ok := s.files[it.ID]
			if !ok || f.Data == nil {
				return map[string]any{"ok": false, "error": "file_not_found"}
			}
			if len(f.Data) != f.Length {
				return map[string]any{"ok": false, "error": "file_upload_size_mismatch"}
			}
			f.Title, f.Channel, f.ThreadTS, f.Comment, f.Completed = it.Title, form.Get("channel_id"), form.Get("thread_ts"), form.Get("initial_comment"), true
			done = append(done, map[string]any{"id": f.ID, "title": f.Title})
		}
		return map[string]any{"ok": true, "files": done}
	case "files.delete":
		f, ok := s.files[form.Get("file")]
		switch {
		case !ok:
			return map[string]any{"ok": false, "error": "file_not_found"}
		case f.Deleted:
			return map[string]any{"ok": false, "error": "file_deleted"}
		}
		f.Deleted = true
		return map[string]any{"ok": true}
	}
	return map[string]any{"ok": false, "error": "unknown_method"}
}

// upload takes the bytes of a file at its upload URL: a multipart POST
// with the field "file", answered "OK - <length>" as Slack does.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/v1/")
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	part, _, err := r.FormFile("file")
	if err != nil {
		http.Error(w, "no file", http.StatusBadRequest)
		return
	}
	data, _ := io.ReadAll(part)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, Call{Method: "upload", Status: http.StatusOK, OK: true, Token: presented(r)})
	f, ok := s.files[id]
	if !ok {
		http.Error(w, "Not Found", http.StatusNotFound)
		return
	}
	f.Data = data
	fmt.Fprintf(w, "OK - %d", len(data))
}
