package yamlfile

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Encodings organizers' files arrive in. Polish Windows (Notepad before
// 2019, Excel's "CSV" format) saves Windows-1250; Excel's "Unicode text"
// saves UTF-16 with a byte order mark; Excel's "CSV UTF-8" and some
// editors put a UTF-8 byte order mark first.
const (
	EncodingUTF8        = "UTF-8"
	EncodingUTF16       = "UTF-16"
	EncodingWindows1250 = "Windows-1250"
	EncodingUnknown     = "an unknown encoding"
)

var utf8BOM = []byte("\xef\xbb\xbf")

// Detect names the encoding of data: UTF-8 (with or without a byte order
// mark), UTF-16 (with one), Windows-1250 when the text decodes to letters a
// Polish text has, else EncodingUnknown. line and col point at the first
// byte that is not UTF-8, or are 0.
func Detect(data []byte) (enc string, line, col int) {
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return EncodingUTF16, 1, 1
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if utf8.Valid(data) {
		return EncodingUTF8, 0, 0
	}
	line, col = 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	if looksWindows1250(data) {
		return EncodingWindows1250, line, col
	}
	return EncodingUnknown, line, col
}

// looksWindows1250 reports whether every byte above ASCII decodes, in
// Windows-1250, to a letter of the Polish or another Central European
// alphabet or to common punctuation.
func looksWindows1250(data []byte) bool {
	dec := charmap.Windows1250.NewDecoder()
	seen := false
	for _, b := range data {
		if b < 0x80 {
			continue
		}
		out, err := dec.Bytes([]byte{b})
		if err != nil {
			return false
		}
		r, _ := utf8.DecodeRune(out)
		if !bytes.ContainsRune([]byte("ąćęłńóśźżĄĆĘŁŃÓŚŹŻáäčďéěíĺľňôŕřšťúůýžÁÄČĎÉĚÍĹĽŇÔŔŘŠŤÚŮÝŽöüÖÜßőűŐŰ–—„”‚’…«»°§·"), r) && r != 0xa0 {
			return false
		}
		seen = true
	}
	return seen
}

// ToUTF8 converts a spreadsheet export to UTF-8: UTF-8 stays (its byte
// order mark dropped), UTF-16 with a byte order mark and Windows-1250 are
// converted (unicode.BOMOverride picks by the mark, Windows-1250
// otherwise). It returns the encoding found; EncodingUnknown leaves data
// as it was.
func ToUTF8(data []byte) ([]byte, string) {
	enc, _, _ := Detect(data)
	switch enc {
	case EncodingUTF8:
		return bytes.TrimPrefix(data, utf8BOM), enc
	case EncodingUTF16, EncodingWindows1250:
	default:
		return data, enc
	}
	out, _, err := transform.Bytes(unicode.BOMOverride(charmap.Windows1250.NewDecoder()), data)
	if err != nil || !utf8.Valid(out) {
		return data, EncodingUnknown
	}
	return out, enc
}

// utf8Content strips a UTF-8 byte order mark and refuses any other encoding
// with a message naming it and how to save the file as UTF-8.
func utf8Content(name string, data []byte) ([]byte, *Problem) {
	enc, line, col := Detect(data)
	switch enc {
	case EncodingUTF8:
		return bytes.TrimPrefix(data, utf8BOM), nil
	case EncodingUTF16:
		p := Newf(name, 1, 1, "the file is saved as UTF-16, not UTF-8: save it again as UTF-8 (Notepad: File › Save as…, Encoding: UTF-8; VS Code: click the encoding in the status bar, Save with Encoding, UTF-8)")
		return nil, &p
	case EncodingWindows1250:
		p := Newf(name, line, col, "the file is saved as Windows-1250 (as Notepad on Polish Windows does), not UTF-8, so Polish letters would be garbled: save it again as UTF-8 (Notepad: File › Save as…, Encoding: UTF-8; VS Code: click the encoding in the status bar, Save with Encoding, UTF-8)")
		return nil, &p
	}
	p := Newf(name, line, col, "the file is not saved as UTF-8 (the character here is in another encoding): save it again as UTF-8 (Notepad: File › Save as…, Encoding: UTF-8; VS Code: click the encoding in the status bar, Save with Encoding, UTF-8)")
	return nil, &p
}
