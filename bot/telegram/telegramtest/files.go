package telegramtest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxDownload is what bots may download through the Bot API (getFile).
const maxDownload = 20 << 20

// storedFile is a file a resident sent, as the fake keeps it.
type storedFile struct {
	path string
	data []byte
}

// PrivateFile delivers a message with a file from userID, as the Bot API
// shows it: kind "photo" (sizes smallest first, the last the original),
// "document" (file_name, mime_type), "voice" (mime_type, duration) or
// "audio"; caption may be empty. The file is then served by getFile and
// the file URL. It returns the update id.
func (s *Server) PrivateFile(userID int64, lang, kind, name, mime string, data []byte, caption string) int {
	s.mu.Lock()
	if s.files == nil {
		s.files = map[string]storedFile{}
	}
	n := len(s.files) + 1
	id := fmt.Sprintf("AgACAgIAAxkBAAI%04d", n)
	ext := map[string]string{"photo": "jpg", "voice": "oga", "audio": "mp3"}[kind]
	if ext == "" {
		ext = "bin"
	}
	folder := map[string]string{"photo": "photos", "voice": "voice", "audio": "music"}[kind]
	if folder == "" {
		folder = "documents"
	}
	s.files[id] = storedFile{path: fmt.Sprintf("%s/file_%d.%s", folder, n, ext), data: data}
	s.mu.Unlock()
	unique := fmt.Sprintf("AQAD%04d", n)
	fields := map[string]any{}
	switch kind {
	case "photo":
		fields["photo"] = []map[string]any{
			{"file_id": id + "-thumb", "file_unique_id": unique + "t", "file_size": len(data) / 10, "width": 90, "height": 120},
			{"file_id": id, "file_unique_id": unique, "file_size": len(data), "width": 960, "height": 1280},
		}
	case "voice":
		fields["voice"] = map[string]any{"file_id": id, "file_unique_id": unique, "duration": 7, "mime_type": mime, "file_size": len(data)}
	default:
		fields[kind] = map[string]any{"file_id": id, "file_unique_id": unique, "file_name": name, "mime_type": mime, "file_size": len(data)}
	}
	if caption != "" {
		fields["caption"] = caption
	}
	return s.AddUpdate(map[string]any{"message": s.PrivateMessage(userID, lang, fields)})
}

// getFile answers as the Bot API does: the File object with file_path, or
// "file is too big" beyond what bots may download.
func (s *Server) getFile(p url.Values) (any, *apiError) {
	s.mu.Lock()
	f, ok := s.files[p.Get("file_id")]
	s.mu.Unlock()
	switch {
	case !ok:
		return nil, badRequest("wrong file_id or the file is temporarily unavailable")
	case len(f.data) > maxDownload:
		return nil, badRequest("file is too big")
	}
	return map[string]any{"file_id": p.Get("file_id"), "file_unique_id": "AQAD", "file_size": len(f.data), "file_path": f.path}, nil
}

// download serves GET /file/bot<token>/<file_path>.
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	token, path, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/file/bot"), "/")
	if token != s.Token || r.Method != http.MethodGet {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.files {
		if f.path == path {
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write(f.data)
			return
		}
	}
	http.Error(w, "Not Found", http.StatusNotFound)
}
