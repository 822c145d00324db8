package dashboard

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/claro-market/claro/app/catalog"
)

// ProductForm is the product editor's form.
type ProductForm struct {
	Title       string
	Slug        string
	Description string
	Price       string // as typed, e.g. "12.99"
	Currency    string
	Visibility  string
	CategoryID  string
	Tags        string // comma-separated
	Content     string // Markdown
	LicenseKeys bool   // the checkbox "issue a license key"
	Limit       string // activations per key, as typed; 0: no limit
	PWYW        bool   // the checkbox "pay what you want" (Price is then the suggested price)
	PWYWMin     string // the least a buyer may pay, as typed; "" or 0: nothing
	Errors      map[string]string

	priceCents int64
	pwywMin    int64
	limit      int
	category   *int64
	tags       []string
}

var (
	pricePattern = regexp.MustCompile(`^\d{1,7}(\.\d{1,2})?$`)
	productSlug  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,79}$`)
	tagPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,29}$`)
	slugDashes   = regexp.MustCompile(`[^a-z0-9]+`)
)

// Currencies a product can be priced in.
var Currencies = []string{"usd", "eur", "gbp"}

// Slugify makes a URL slug from a title.
func Slugify(s string) string {
	s = strings.Trim(slugDashes.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 80 {
		s = strings.TrimRight(s[:80], "-")
	}
	return s
}

// Validate checks every field and fills Errors; it reports whether the form
// can be saved.
func (f *ProductForm) Validate() bool {
	f.Errors = map[string]string{}
	f.Title = strings.TrimSpace(f.Title)
	f.Description = strings.TrimSpace(f.Description)
	f.Slug = strings.TrimSpace(f.Slug)
	if f.Slug == "" {
		f.Slug = Slugify(f.Title)
	}
	switch {
	case f.Title == "" || utf8.RuneCountInString(f.Title) > 160:
		f.Errors["title"] = "Give the product a title of up to 160 characters."
	case plainTextProblem(f.Title):
		f.Errors["title"] = plainTextMessage
	}
	if !productSlug.MatchString(f.Slug) {
		f.Errors["slug"] = "Use lowercase letters, digits and hyphens (up to 80)."
	}
	switch {
	case utf8.RuneCountInString(f.Description) > 5000:
		f.Errors["description"] = "Keep the description under 5,000 characters."
	case plainTextProblem(f.Description):
		f.Errors["description"] = plainTextMessage
	}
	var ok bool
	if f.priceCents, ok = parsePrice(f.Price); !ok {
		f.Errors["price"] = "Enter a price like 12 or 12.99 (not negative)."
	} else if f.priceCents > 1_000_000_00 {
		f.Errors["price"] = "Prices go up to 1,000,000."
	}
	f.pwywMin = 0
	if f.PWYWMin = strings.TrimSpace(f.PWYWMin); f.PWYWMin != "" {
		if f.pwywMin, ok = parsePrice(f.PWYWMin); !ok {
			f.Errors["pwyw_min"] = "Enter a minimum like 0, 5 or 4.99 (not negative)."
		}
	}
	if f.PWYW && f.Errors["price"] == "" && f.Errors["pwyw_min"] == "" && f.pwywMin > f.priceCents {
		f.Errors["pwyw_min"] = "The minimum cannot be above the suggested price."
	}
	if f.Currency == "" {
		f.Currency = "usd"
	}
	if !slices.Contains(Currencies, f.Currency) {
		f.Errors["currency"] = "Choose USD, EUR or GBP."
	}
	if f.Visibility == "" {
		f.Visibility = catalog.Draft
	}
	if !slices.Contains([]string{catalog.Public, catalog.Private, catalog.Draft}, f.Visibility) {
		f.Errors["visibility"] = "Choose public, unlisted or draft."
	}
	f.category = nil
	if f.CategoryID != "" {
		id, err := strconv.ParseInt(f.CategoryID, 10, 64)
		if err != nil || id <= 0 {
			f.Errors["category"] = "Choose a category from the list."
		} else {
			f.category = &id
		}
	}
	f.tags = f.tags[:0]
	for _, t := range strings.Split(f.Tags, ",") {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || slices.Contains(f.tags, t) {
			continue
		}
		if !tagPattern.MatchString(t) {
			f.Errors["tags"] = "Tags use lowercase letters, digits and hyphens, up to 30 each."
			break
		}
		f.tags = append(f.tags, t)
	}
	if len(f.tags) > 10 {
		f.Errors["tags"] = "Use at most 10 tags."
	}
	f.limit = 3
	if f.Limit = strings.TrimSpace(f.Limit); f.Limit != "" {
		n, err := strconv.Atoi(f.Limit)
		if err != nil || n < 0 || n > 1000 {
			f.Errors["activation_limit"] = "Activations per key: a whole number from 0 (no limit) to 1000."
		}
		f.limit = n
	}
	if len(f.Content) > 200_000 {
		f.Errors["content"] = "The content is too long (200,000 characters at most)."
	}
	return len(f.Errors) == 0
}

// parsePrice reads an amount as a creator types it: "12", "12.9", "12.99", "$12".
func parsePrice(s string) (int64, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "$")
	if !pricePattern.MatchString(s) {
		return 0, false
	}
	whole, frac, _ := strings.Cut(s, ".")
	w, _ := strconv.ParseInt(whole, 10, 64)
	fr, _ := strconv.ParseInt((frac + "00")[:2], 10, 64)
	return w*100 + fr, true
}

// changes are the validated form's fields as the catalog editor takes them.
func (f *ProductForm) changes() catalog.Changes {
	return catalog.Changes{Title: f.Title, Slug: f.Slug, Description: f.Description,
		PriceCents: f.priceCents, Currency: f.Currency, Visibility: f.Visibility,
		CategoryID: f.category, Tags: append([]string{}, f.tags...), ContentMD: f.Content,
		LicenseKeys: f.LicenseKeys, ActivationLimit: f.limit, PWYW: f.PWYW, PWYWMinCents: f.pwywMin}
}

// formOf fills a form from a stored product.
func formOf(p *catalog.Product) ProductForm {
	f := ProductForm{Title: p.Title, Slug: p.Slug, Description: p.Description, Currency: p.Currency,
		Visibility: p.Visibility, Tags: strings.Join(p.Tags, ", "), Content: p.ContentMD,
		LicenseKeys: p.LicenseKeys, Limit: strconv.Itoa(p.ActivationLimit),
		Price: decimal(p.PriceCents), PWYW: p.PWYW, PWYWMin: decimal(p.PWYWMinCents)}
	if p.CategoryID != nil {
		f.CategoryID = strconv.FormatInt(*p.CategoryID, 10)
	}
	return f
}

// decimal is cents as a form shows them: "12.50".
func decimal(cents int64) string {
	return strconv.FormatInt(cents/100, 10) + "." + strconv.FormatInt(100+cents%100, 10)[1:]
}
