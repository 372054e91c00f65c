package redis

import (
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"okienko/bot"
)

// TestSessionCodecKeepsEveryField fills every field of bot.Session by
// reflection with a value of its own and fails when a round trip through
// the codec loses one. The codec writes the fields it knows by name, so a
// field added to bot.Session would otherwise pass every other codec test
// and be dropped silently on every save. When this test fails, teach
// appendSession and parseSession the new field (and codecSessions a value
// for it).
func TestSessionCodecKeepsEveryField(t *testing.T) {
	var want bot.Session
	v := reflect.ValueOf(&want).Elem()
	typ := v.Type()
	base := time.Date(2026, 3, 2, 9, 15, 0, 0, time.UTC)
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() {
			t.Fatalf("bot.Session.%s is unexported: encoding/json (the codec's reference) would not keep it", f.Name)
		}
		fillField(t, v.Field(i), f.Name, i, base)
		if v.Field(i).IsZero() {
			t.Fatalf("could not give bot.Session.%s a non-zero value", f.Name)
		}
	}

	data, err := encodeSession(nil, &want)
	if err != nil {
		t.Fatal(err)
	}
	for name, decode := range map[string]func(*bot.Session) bool{
		"fast path": func(s *bot.Session) bool { return parseSession(string(data), s) },
		"unmarshalSession": func(s *bot.Session) bool {
			return unmarshalSession(string(data), s) == nil
		},
	} {
		var got bot.Session
		if !decode(&got) {
			t.Fatalf("%s: cannot read the codec's own output:\n%s", name, data)
		}
		gv := reflect.ValueOf(got)
		for i := range typ.NumField() {
			if d := cmp.Diff(v.Field(i).Interface(), gv.Field(i).Interface()); d != "" {
				t.Errorf("%s: bot.Session.%s lost in a round trip through the codec (-saved +loaded):\n%s", name, typ.Field(i).Name, d)
			}
		}
	}
}

// fillField gives a field of kind the codec must handle a value that
// differs from its zero and from every other field's value.
func fillField(t *testing.T, f reflect.Value, name string, i int, base time.Time) {
	t.Helper()
	switch {
	case f.Type() == reflect.TypeFor[time.Time]():
		f.Set(reflect.ValueOf(base.Add(time.Duration(i) * time.Minute)))
	case f.Kind() == reflect.String:
		f.SetString("value of " + name)
	case f.Kind() == reflect.Bool:
		f.SetBool(true)
	case f.CanInt():
		f.SetInt(int64(i + 7))
	case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
		f.Set(reflect.Append(reflect.MakeSlice(f.Type(), 0, 2), reflect.ValueOf("1 of "+name), reflect.ValueOf("2 of "+name)))
	case f.Kind() == reflect.Map && f.Type().Key().Kind() == reflect.String && f.Type().Elem().Kind() == reflect.String:
		m := reflect.MakeMap(f.Type())
		m.SetMapIndex(reflect.ValueOf("key of "+name), reflect.ValueOf("value of "+name))
		f.Set(m)
	default:
		t.Fatalf("bot.Session.%s has type %s, which this test cannot fill: teach fillField and the codec about it", name, f.Type())
	}
}
