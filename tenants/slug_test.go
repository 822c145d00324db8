package tenants

import (
	"strings"
	"testing"
)

// The look-alike hole, closed: stores named like the platform's own pages
// (accounts, claro-support, signin-secure), digit and letter-pair look-alikes
// of them (acc0unts, c1aro-help) and punycode homographs used to open and go
// live at once. Ordinary names, the demo stores' and the tests' included,
// still pass.
func TestSlugProblemRefusesPlatformLookAlikes(t *testing.T) {
	refused := map[string]string{
		// whole reserved names
		"www": "reserved", "admin": "reserved", "shop": "reserved", "claro": "reserved",
		// platform words as the slug or a hyphen-separated part of it
		"accounts": "accounts", "account-center": "account", "claro-support": "claro", "signin-secure": "signin",
		"secure-login": "secure", "my-billing": "billing", "help-desk": "help", "verify-now": "verify",
		"www-shop": "www", "api-docs": "api", "status-page": "status", "staff-picks": "staff",
		"security": "security", "mail-box": "mail", "official-store": "official", "payouts-info": "payouts",
		// parts run together, and the brand inside a longer word
		"sign-in": "signin", "log-in-here": "login", "sign-up-now": "signup", "help-desk-x": "help",
		"claroshop": "claro", "theclaro-team": "claro", "my-c-l-a-r-o": "claro",
		// skeletons: digits and letter pairs that read as letters
		"c1aro-help": "claro", "acc0unts": "accounts", "s1gn1n": "signin", "5upport": "support",
		"adm1n-panel": "admin", "rn-ail": "mail", "4dmin": "admin", "secur1ty": "security",
		"vvww": "www", "l0g1n": "login", "ciaro": "claro", "heip-center": "help", "signln": "signin",
		"the-support-act1": "support", "5ta7us": "status",
		// punycode and other reserved "ab--" labels
		"xn--clro-5qa": "xn--", "shop-xn--abc": "xn--", "ab--cd": "xn--",
	}
	for slug, word := range refused {
		p := SlugProblem(slug)
		if p == "" {
			t.Errorf("SlugProblem(%q) = \"\", want it refused", slug)
			continue
		}
		if !strings.Contains(p, "reserved") {
			t.Errorf("SlugProblem(%q) = %q, want it to say the name is reserved", slug, p)
		}
		if word != "reserved" && word != "xn--" && !strings.Contains(p, `"`+word+`"`) {
			t.Errorf("SlugProblem(%q) = %q, want it to name %q", slug, p, word)
		}
	}
	for _, slug := range []string{
		// the demo stores (app/seed)
		"northlight", "inkwell-press", "pixelforge", "soundloft", "typeyard",
		// store slugs tests create through the form, and ordinary ones
		"replica-shop12abc123", "paid-store7f00ba1", "store-b3a1b2c3", "browser-shop-9deadbe", "store-a1a2b3c4",
		"mall-of-pixels", "helpful-fonts", "emailer-kit", "apiary-prints", "staffordshire-maps",
		"clear-sky", "abc", "a-b", "verifiable", "accountant-templates", "statues3d",
		"xnstudio", "nx-labs", "lo-fi-loops", "rna-prints", "mailing-list-kit", "secured",
	} {
		if p := SlugProblem(slug); p != "" {
			t.Errorf("SlugProblem(%q) = %q, want it allowed", slug, p)
		}
	}
}

func TestNameProblemRefusesNamesThatPassForThePlatform(t *testing.T) {
	refused := map[string]string{
		"Claro":                   "reserved",
		"Claro Support":           "reserved",
		"claro support team":      "reserved",
		"The CLARO store":         "reserved",
		"ClaroShop":               "reserved",
		"Claro's Picks":           "reserved",
		"C l a r o":               "reserved",
		"Cla ro Help":             "reserved",
		"C1aro":                   "reserved",
		"CIaro":                   "reserved", // a capital I for the l
		"Clárö":                   "reserved",
		"Ｃｌａｒｏ":                   "reserved",     // fullwidth letters (NFKC)
		"𝐂𝐥𝐚𝐫𝐨 Billing":           "reserved",     // mathematical bold (NFKC)
		"Сlаrо":                   "one alphabet", // Cyrillic С, а, о among Latin letters
		"Pаypal Help":             "one alphabet", // Cyrillic а
		"Аpple Store":             "one alphabet",
		"ϲlaro":                   "one alphabet", // Greek lunate sigma
		"Claro\u200b":             "invisible",
		"Shop\u202eorlac":         "invisible", // a right-to-left override
		"Pixel\u200dForge":        "invisible",
		"Tab\tName":               "invisible",
		"Сlаrо Support":           "one alphabet",
		"Store by Claro":          "reserved",
		"сӏаго":                   "reserved", // all Cyrillic (palochka, ghe) drawn as "claro"
		"Official Claro Partners": "reserved",
	}
	for name, want := range refused {
		p := NameProblem(name)
		if p == "" || !strings.Contains(p, want) {
			t.Errorf("NameProblem(%q) = %q, want it refused saying %q", name, p, want)
		}
	}
	for _, name := range []string{
		// the demo stores (app/seed) and names tests use
		"Northlight Presets", "Inkwell Press", "PixelForge", "Soundloft", "Typeyard", "Harbor Light Press",
		"Replica Shop", "Shop", "Store paid-store12abc", "Alice Studio",
		// other languages and scripts, each word in one
		"Сахар и Соль", "Сласо", "Καλημέρα Studio", "東京デザイン", "ひらがなカタカナ", "서울 디자인", "Café Ünïcode",
		"Łódź Prints", "Claroscuro Prints", "Cielo Clarovista", "Clear Sky", "Support Act", "Help Desk Kit",
		"Studio 54", "C.L. Arona", "Cla Roberts", "Emoji 🎨 Shop",
	} {
		if p := NameProblem(name); p != "" {
			t.Errorf("NameProblem(%q) = %q, want it allowed", name, p)
		}
	}
}
