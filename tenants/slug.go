package tenants

import (
	"regexp"
	"strings"
)

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$`)

// reservedSlugs are names a store cannot take: they are, or may become, the
// platform's own hosts. Only the whole slug is compared; platformWords are
// refused anywhere in it.
var reservedSlugs = map[string]bool{
	"www": true, "api": true, "admin": true, "dashboard": true, "static": true, "mail": true,
	"app": true, "assets": true, "auth": true, "billing": true, "blog": true, "cdn": true,
	"checkout": true, "docs": true, "ftp": true, "help": true, "imap": true, "internal": true,
	"login": true, "media": true, "pop": true, "shop": true, "smtp": true, "status": true,
	"store": true, "support": true, "webhooks": true, "claro": true,
}

// platformWords are words a visitor reads as the platform speaking (a
// sign-in page, its support desk, its billing): a store whose address holds
// one as a hyphen-separated part, or as several parts run together
// ("sign-in"), or a look-alike of one (skeleton), could pass for the
// platform, so none may.
var platformWords = map[string]bool{
	"admin": true, "administrator": true, "account": true, "accounts": true, "login": true, "logon": true,
	"signin": true, "signon": true, "signup": true, "auth": true, "oauth": true, "sso": true,
	"password": true, "support": true, "help": true, "helpdesk": true, "billing": true, "payment": true,
	"payments": true, "payout": true, "payouts": true, "secure": true, "security": true, "verify": true,
	"verified": true, "verification": true, "www": true, "mail": true, "webmail": true, "api": true,
	"status": true, "staff": true, "official": true, "moderator": true, "claro": true,
}

// brand is the platform's name: refused anywhere in a slug, even inside a
// longer word ("claroshop"), and as a word of a store's display name.
const brand = "claro"

// SlugProblem says what is wrong with a proposed store slug, or "" when it is
// fine: lowercase letters, digits and hyphens, 3-40 characters, not starting or
// ending with a hyphen, not reserved, and not impersonating the platform.
func SlugProblem(slug string) string {
	switch {
	case len(slug) < 3 || len(slug) > 40:
		return "Use 3 to 40 characters."
	case !slugPattern.MatchString(slug):
		return "Use lowercase letters, digits and hyphens, starting and ending with a letter or digit."
	case reservedSlugs[slug]:
		return "That name is reserved. Choose another."
	case strings.Contains(slug, "xn--") || (len(slug) >= 4 && slug[2:4] == "--"):
		// Punycode (an internationalised name in disguise, the homograph
		// route) and every other reserved "ab--" label form.
		return `That address is reserved: it looks like an encoded international name ("xn--"). Choose another.`
	}
	if w := impersonates(slug); w != "" {
		return `That address is reserved: it contains or looks like "` + w + `", a word the platform uses for itself. Choose another.`
	}
	return ""
}

// impersonates returns the platform word a slug contains or imitates, or "".
// Each skeleton of the slug (see skeletons) is split at its hyphens; every
// run of consecutive parts, joined, is compared with platformWords, and the
// brand is looked for anywhere.
func impersonates(slug string) string {
	for _, sk := range skeletons(slug) {
		if strings.Contains(strings.ReplaceAll(sk, "-", ""), brand) {
			return brand
		}
		parts := strings.Split(sk, "-")
		for i := range parts {
			joined := ""
			for j := i; j < len(parts); j++ {
				joined += parts[j]
				if platformWords[joined] {
					return joined
				}
			}
		}
	}
	return ""
}

// slugLookalikes map what can stand in for a letter in an address to that
// letter: digits that read as letters, and letter pairs that render as one.
var slugLookalikes = strings.NewReplacer(
	"rn", "m", "vv", "w", "0", "o", "3", "e", "4", "a", "5", "s", "7", "t", "8", "b", "9", "g",
)

// skeletons are what a slug reads as: its letters after slugLookalikes,
// then each way of reading the strokes 1, l and i: "1" as "l" (c1aro is
// claro) or as "i" (s1gn1n is signin), and all three as "i" (signln) or
// all as "l" (ciaro, heip). Each is compared with the platform's words as
// they are spelt, so "mall" (read "maii" or "mall") is not "mail".
func skeletons(slug string) []string {
	s := slugLookalikes.Replace(slug)
	asI := strings.NewReplacer("1", "i", "l", "i")
	asL := strings.NewReplacer("1", "l", "i", "l")
	return []string{strings.ReplaceAll(s, "1", "l"), strings.ReplaceAll(s, "1", "i"), asI.Replace(s), asL.Replace(s)}
}
