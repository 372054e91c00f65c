package needs

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain need stays", "Szukam opiekunki dla mamy po udarze", "Szukam opiekunki dla mamy po udarze"},
		{"ages and counts stay", "mam 78 lat i 2 dzieci w wieku 5 i 7 lat", "mam 78 lat i 2 dzieci w wieku 5 i 7 lat"},
		{"benefit names stay", "nie dostałam 800+ ani 500 plus", "nie dostałam 800+ ani 500 plus"},
		{"mobile with spaces", "zadzwońcie 501 234 567 proszę", "zadzwońcie [telefon] proszę"},
		{"mobile with dashes", "tel. 501-234-567", "tel. [telefon]"},
		{"mobile with +48", "mój numer +48 501 234 567", "mój numer [telefon]"},
		{"mobile glued", "numer:501234567", "numer:[telefon]"},
		{"0048 prefix", "0048 501 234 567", "[telefon]"},
		{"landline with area code", "dzwoniłam na (55) 230 60 42 i nic", "dzwoniłam na [telefon] i nic"},
		{"Ukrainian mobile", "мій номер +380 67 123 4567", "мій номер [telefon]"},
		{"PESEL", "PESEL 85010112345 mamy", "PESEL [PESEL] mamy"},
		{"PESEL glued to word", "pesel:85010112345", "pesel:[PESEL]"},
		{"IBAN", "konto PL61 1090 1014 0000 0712 1981 2874 do zwrotu", "konto [konto] do zwrotu"},
		{"account without country", "61 1090 1014 0000 0712 1981 2874", "[konto]"},
		{"amount and year", "czynsz 1 200,50 zł od 2024", "czynsz [numer] zł od [numer]"},
		{"date", "eksmisja 12.03.2025", "eksmisja [numer]"},
		{"e-mail", "piszcie na jan.kowalski@gmail.com albo Jan_K+1@o2.pl", "piszcie na [e-mail] albo [e-mail]"},
		{"e-mail with diacritics", "łukasz.żak@wp.pl", "[e-mail]"},
		{"link", "jak na https://example.org/x?id=5 pisze", "jak na [link] pisze"},
		{"telegram login", "napiszcie do @anna_k83", "napiszcie do [login]"},
		{"nazywam się", "Nazywam się Jan Kowalski i szukam pracy", "Nazywam się [imię] i szukam pracy"},
		{"nazywam sie without diacritics lower case", "nazywam sie jan kowalski szukam pracy", "nazywam sie [imię] szukam pracy"},
		{"mam na imię", "mam na imię Ola, potrzebuję mieszkania", "mam na imię [imię], potrzebuję mieszkania"},
		{"mam na imie lower case keeps the need", "mam na imie ola mieszkam sama", "mam na imie [imię] mieszkam sama"},
		{"moje imię to", "moje imię to Krystyna Nowak", "moje imię to [imię]"},
		{"imię i nazwisko with colon", "imię i nazwisko: Anna Maria Wiśniewska", "imię i nazwisko: [imię]"},
		{"jestem with a name", "Dzień dobry, jestem Anna i szukam pomocy", "Dzień dobry, jestem [imię] i szukam pomocy"},
		{"jestem with a state", "jestem sama i chora", "jestem sama i chora"},
		{"jestem with a nationality", "Jestem Polką, mąż jest Ukraińcem", "Jestem Polką, mąż jest Ukraińcem"},
		{"jestem Ukrainka without diacritics", "Jestem Ukrainka szukam pracy", "Jestem Ukrainka szukam pracy"},
		{"jestem lower-case known name", "jestem kasia mam 3 dzieci", "jestem [imię] mam 3 dzieci"},
		{"jestem then sentence: the name is known", "Nie wiem co jestem. Anka", "Nie wiem co jestem. [imię]"},
		{"jestem then sentence", "Nie wiem co jestem. Dalej", "Nie wiem co jestem. Dalej"},
		{"acronym after jestem stays", "jestem z MOPS", "jestem z MOPS"},
		{"capitalised first name anywhere", "moja córka Zuzanna Kowalczyk potrzebuje psychologa", "moja córka [imię] potrzebuje psychologa"},
		{"pani with surname", "rozmawiałam z panią Nowakowską", "rozmawiałam z panią [imię]"},
		{"lower-case word like a name stays", "ewa czy ola to nie wiem", "ewa czy ola to nie wiem"},
		{"English", "Hi, my name is John Smith, I need a flat", "Hi, my name is [imię], I need a flat"},
		{"English I am", "I am Olena and I am pregnant", "I am [imię] and I am pregnant"},
		{"Ukrainian", "Мене звати Олена Шевченко, потрібне житло", "Мене звати [imię], потрібне житло"},
		{"Ukrainian apostrophe", "моє ім’я Тарас", "моє ім’я [imię]"},
		{"Ukrainian я with a name", "я Оксана, шукаю роботу", "я [imię], шукаю роботу"},
		{"Ukrainian я without a name", "я шукаю роботу", "я шукаю роботу"},
		{"Russian", "меня зовут Ирина", "меня зовут [imię]"},
		{"street with ul.", "mieszkam na ul. Długiej 5/3 w Elblągu", "mieszkam na ul. [adres] w Elblągu"},
		{"street lower case, with the flat", "ul dlugiej 5 m 3", "ul [adres] m [adres]"},
		{"street with a long name", "ulica Jana Pawła II 12", "ulica [adres]"},
		{"on the street is not an address", "mieszkam na ulicy od roku", "mieszkam na ulicy od roku"},
		{"Ukrainian street", "вул. Шевченка 10", "вул. [adres]"},
		{"mixed", "Nazywam sie Anna Nowak, tel 601 000 111, mail anna@x.pl, ul. Polna 3", "Nazywam sie [imię], tel [telefon], mail [e-mail], ul. [adres]"},
		{"whitespace collapses", "szukam\n\n  pomocy\t dla taty", "szukam pomocy dla taty"},
		{"empty", "", ""},
		{"emoji and symbols", "😢 pomocy!!! ##", "😢 pomocy!!! ##"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Helper()
			got := Redact(tt.in)
			if got != tt.want {
				t.Errorf("Redact(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if again := Redact(got); again != got {
				t.Errorf("redacting again changed %q to %q", got, again)
			}
		})
	}
}

func TestUnmatchedQueryIsRedactedAndShort(t *testing.T) {
	long := "nazywam się Jan Kowalski " + strings.Repeat("potrzebuję pomocy przy remoncie mieszkania ", 10) + "tel 501 234 567"
	f := UnmatchedQuery("mieszkanie", long)
	if strings.Contains(f.Value, "Kowalski") || strings.Contains(f.Value, "501") {
		t.Errorf("kept identifying words: %q", f.Value)
	}
	if n := len([]rune(f.Value)); n > MaxQueryRunes+2 {
		t.Errorf("kept %d runes, want at most %d", n, MaxQueryRunes+2)
	}
}

// FuzzRedact: whatever a resident types, Redact returns, is stable (a
// second pass changes nothing), keeps no run of three digits (but "800+")
// and no e-mail address.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		"Nazywam się Jan Kowalski, tel. +48 501-234-567", "PESEL 85010112345", "ul. Długa 5/3", "800+ i 500 plus",
		"anna@example.pl", "мене звати Олена", "(55) 230 60 42", "PL61 1090 1014 0000 0712 1981 2874", "[telefon] [imię]",
	} {
		f.Add(s)
	}
	email := regexp.MustCompile(`[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+\.[\p{L}\p{N}]`)
	f.Fuzz(func(t *testing.T, in string) {
		out := Redact(in)
		if again := Redact(out); again != out {
			t.Errorf("not stable:\n in %q\nout %q\nagain %q", in, out, again)
		}
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Errorf("valid UTF-8 %q became invalid %q", in, out)
		}
		for i := 0; i+3 <= len(out); i++ {
			if isDigit(out[i]) && isDigit(out[i+1]) && isDigit(out[i+2]) && (i == 0 || !isDigit(out[i-1])) {
				rest := strings.TrimLeft(out[i+3:], " ")
				if (i+3 < len(out) && isDigit(out[i+3])) || !(strings.HasPrefix(rest, "+") || strings.HasPrefix(strings.ToLower(rest), "plus")) {
					t.Errorf("digits kept: %q → %q", in, out)
					break
				}
			}
		}
		if email.MatchString(out) {
			t.Errorf("an e-mail address kept: %q → %q", in, out)
		}
	})
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
