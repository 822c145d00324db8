package seed

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

const (
	coverWidth         = 800
	coverHeight        = 600
	coverMarginX       = 60
	coverMaxLines      = 3
	coverStoreSize     = 22 // the store name's font size
	coverDefaultAccent = "#4f46e5"
)

// coverTitleLayouts are the title's font sizes, tried largest first; the
// first at which the title fits coverMaxLines lines of coverColumn wins.
var coverTitleLayouts = []int{64, 54, 46}

// coverColumn is the width the cover's text may take: the cover less its
// side margins.
const coverColumn = coverWidth - 2*coverMarginX

// coverGlyphs are the advance widths, per 1000 units of font size, of the
// printable ASCII characters (space to ~) in DejaVu Sans Bold, measured as
// Chromium lays them out. It is the widest of the sans-serif faces a cover's
// font list falls back to (Inter, Helvetica and Arial are all narrower), so
// text measured with it fits whichever of them a browser picks.
var coverGlyphs = [...]int{348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365,
	696, 696, 696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580,
	1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995, 837, 850,
	733, 850, 770, 698, 694, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500,
	500, 675, 716, 593, 716, 678, 405, 716, 712, 343, 343, 665, 343, 1042, 712, 687,
	716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838}

// coverTextWidth is how wide s is at fontSize (with letterSpacing added per
// character) in the widest fallback face; a character outside ASCII counts
// as wide as an M, the ellipsis as 1000.
func coverTextWidth(s string, fontSize, letterSpacing float64) float64 {
	units := 0
	n := 0
	for _, r := range s {
		n++
		switch {
		case r >= ' ' && r <= '~':
			units += coverGlyphs[r-' ']
		case r == '…':
			units += 1000
		default:
			units += 995
		}
	}
	return float64(units)*fontSize/1000 + float64(n)*letterSpacing
}

// coverFits reports whether s fits the text column at fontSize.
func coverFits(s string, fontSize int) bool {
	return coverTextWidth(s, float64(fontSize), 0) <= coverColumn
}

// CoverSVG draws a product cover: an 800x600 SVG with a gradient built from
// accent and a second colour derived from seed, a few abstract geometric
// shapes placed deterministically from seed (math/rand/v2 with
// rand.NewPCG(uint64(seed), 7)), the title wrapped over up to 3 lines in a
// large bold sans-serif font, and the store name small at the bottom. Text is
// XML-escaped. Returns the SVG bytes. Same inputs => identical bytes.
func CoverSVG(title, storeName, accent string, seed int64) []byte {
	rng := rand.New(rand.NewPCG(uint64(seed), 7))

	r1, g1, b1, ok := coverParseHex(accent)
	if !ok {
		r1, g1, b1, _ = coverParseHex(coverDefaultAccent)
	}
	c1 := coverHex(r1, g1, b1)

	// Second colour: rotate the accent's hue by 40-160 degrees in either
	// direction and nudge its lightness, all driven by the seed.
	h, s, l := coverRGBToHSL(r1, g1, b1)
	shift := 40 + rng.Float64()*120
	if rng.IntN(2) == 0 {
		shift = -shift
	}
	h2 := math.Mod(h+shift+360, 360)
	s2 := coverClamp(s*0.8+0.15, 0.35, 0.9)
	l2 := coverClamp(l+(rng.Float64()-0.5)*0.3, 0.2, 0.7)
	r2, g2, b2 := coverHSLToRGB(h2, s2, l2)
	c2 := coverHex(r2, g2, b2)

	// Text colour picked for contrast against the average of both stops.
	lum := (coverLuminance(r1, g1, b1) + coverLuminance(r2, g2, b2)) / 2
	textColor, shapeColor := "#ffffff", "#ffffff"
	if lum > 0.45 {
		textColor, shapeColor = "#111827", "#111827"
	}

	// Gradient direction: a unit vector at a seed-chosen angle.
	angle := rng.Float64() * 2 * math.Pi
	dx, dy := math.Cos(angle)/2, math.Sin(angle)/2

	gid := "cg" + strconv.FormatUint(uint64(seed), 36)

	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="`,
		coverWidth, coverHeight, coverWidth, coverHeight)
	coverEscape(&b, title)
	b.WriteString("\">\n")
	b.WriteString("<title>")
	coverEscape(&b, title)
	b.WriteString("</title>\n")
	fmt.Fprintf(&b, `<defs><linearGradient id="%s" x1="%s" y1="%s" x2="%s" y2="%s">`,
		gid, coverNum(0.5-dx), coverNum(0.5-dy), coverNum(0.5+dx), coverNum(0.5+dy))
	fmt.Fprintf(&b, `<stop offset="0" stop-color="%s"/><stop offset="1" stop-color="%s"/>`, c1, c2)
	b.WriteString("</linearGradient></defs>\n")
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="url(#%s)"/>`+"\n", coverWidth, coverHeight, gid)

	// Abstract shapes.
	b.WriteString(`<g class="shapes">` + "\n")
	n := 3 + rng.IntN(4)
	for range n {
		fill := shapeColor
		if rng.IntN(3) == 0 {
			fill = c2
		}
		opacity := strconv.FormatFloat(0.06+rng.Float64()*0.18, 'f', 2, 64)
		switch rng.IntN(3) {
		case 0:
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="%s" fill="%s" fill-opacity="%s"/>`+"\n",
				coverNum(rng.Float64()*coverWidth), coverNum(rng.Float64()*coverHeight), coverNum(40+rng.Float64()*200), fill, opacity)
		case 1:
			w, hh := 80+rng.Float64()*260, 80+rng.Float64()*260
			x, y := rng.Float64()*coverWidth-w/2, rng.Float64()*coverHeight-hh/2
			rot := rng.Float64()*90 - 45
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" rx="%s" fill="%s" fill-opacity="%s" transform="rotate(%s %s %s)"/>`+"\n",
				coverNum(x), coverNum(y), coverNum(w), coverNum(hh), coverNum(rng.Float64()*24), fill, opacity, coverNum(rot), coverNum(x+w/2), coverNum(y+hh/2))
		default:
			cx, cy := rng.Float64()*coverWidth, rng.Float64()*coverHeight
			size := 80 + rng.Float64()*220
			rot := rng.Float64() * 2 * math.Pi
			pts := make([]string, 3)
			for i := range pts {
				a := rot + float64(i)*2*math.Pi/3
				pts[i] = coverNum(cx+size*math.Cos(a)) + "," + coverNum(cy+size*math.Sin(a))
			}
			fmt.Fprintf(&b, `<polygon points="%s" fill="%s" fill-opacity="%s"/>`+"\n",
				strings.Join(pts, " "), fill, opacity)
		}
	}
	b.WriteString("</g>\n")

	// Title, vertically centred slightly above the middle.
	fontSize, lines := coverLayoutTitle(title)
	lineHeight := float64(fontSize) * 1.15
	blockHeight := lineHeight * float64(len(lines))
	y0 := 280 - blockHeight/2 + float64(fontSize)*0.8
	fmt.Fprintf(&b, `<text class="title" x="%d" y="%s" fill="%s" font-family="Inter, 'Helvetica Neue', Helvetica, Arial, sans-serif" font-size="%d" font-weight="700">`,
		coverMarginX, coverNum(y0), textColor, fontSize)
	for i, line := range lines {
		dy := "0"
		if i > 0 {
			dy = coverNum(lineHeight)
		}
		fmt.Fprintf(&b, `<tspan x="%d" dy="%s">`, coverMarginX, dy)
		coverEscape(&b, line)
		b.WriteString("</tspan>")
	}
	b.WriteString("</text>\n")

	// Store name, small, at the bottom with a short accent rule above it.
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="48" height="4" rx="2" fill="%s" fill-opacity="0.85"/>`+"\n",
		coverMarginX, coverHeight-86, textColor)
	fmt.Fprintf(&b, `<text class="store" x="%d" y="%d" fill="%s" fill-opacity="0.85" font-family="Inter, 'Helvetica Neue', Helvetica, Arial, sans-serif" font-size="%d" font-weight="500" letter-spacing="1">`,
		coverMarginX, coverHeight-48, textColor, coverStoreSize)
	coverEscape(&b, coverStoreName(storeName))
	b.WriteString("</text>\n</svg>\n")
	return b.Bytes()
}

// coverLayoutTitle picks the largest font size at which title wraps into at
// most coverMaxLines lines, each no wider than the text column. If none
// fits, the smallest size is used and the last line is cut short with an
// ellipsis.
func coverLayoutTitle(title string) (int, []string) {
	for _, size := range coverTitleLayouts {
		if lines := coverWrap(title, size); len(lines) <= coverMaxLines {
			return size, lines
		}
	}
	size := coverTitleLayouts[len(coverTitleLayouts)-1]
	lines := coverWrap(title, size)[:coverMaxLines]
	last := []rune(strings.TrimRight(lines[coverMaxLines-1], " "))
	for len(last) > 0 && !coverFits(string(last)+"…", size) {
		last = []rune(strings.TrimRight(string(last[:len(last)-1]), " "))
	}
	lines[coverMaxLines-1] = string(last) + "…"
	return size, lines
}

// coverWrap greedily wraps s on whitespace into lines that fit the text
// column at fontSize, hard-splitting words wider than a line.
func coverWrap(s string, fontSize int) []string {
	var lines []string
	cur := ""
	for _, word := range strings.Fields(s) {
		for !coverFits(word, fontSize) {
			if cur != "" {
				lines = append(lines, cur)
				cur = ""
			}
			w := []rune(word)
			n := len(w) - 1
			for n > 1 && !coverFits(string(w[:n]), fontSize) {
				n--
			}
			lines = append(lines, string(w[:n]))
			word = string(w[n:])
		}
		switch {
		case word == "":
		case cur == "":
			cur = word
		case coverFits(cur+" "+word, fontSize):
			cur += " " + word
		default:
			lines = append(lines, cur)
			cur = word
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// coverStoreName is the store's name cut, with an ellipsis, to fit the text
// column at the store line's size and letter spacing.
func coverStoreName(s string) string {
	fits := func(s string) bool { return coverTextWidth(s, coverStoreSize, 1) <= coverColumn }
	if fits(s) {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && !fits(string(r)+"…") {
		r = []rune(strings.TrimRight(string(r[:len(r)-1]), " "))
	}
	return string(r) + "…"
}

// coverEscape writes s XML-escaped (including quotes, so it is safe in attributes).
func coverEscape(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s)) // writes to a bytes.Buffer never fail
}

// coverNum formats a float with one decimal place.
func coverNum(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

func coverParseHex(s string) (r, g, b uint8, ok bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "#")
	if len(s) != 6 {
		return 0, 0, 0, false
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return 0, 0, 0, false
	}
	return uint8(v >> 16), uint8(v >> 8), uint8(v), true
}

func coverHex(r, g, b uint8) string { return fmt.Sprintf("#%02x%02x%02x", r, g, b) }

func coverClamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// coverRGBToHSL returns hue in degrees [0,360) and saturation, lightness in [0,1].
func coverRGBToHSL(r8, g8, b8 uint8) (h, s, l float64) {
	r, g, b := float64(r8)/255, float64(g8)/255, float64(b8)/255
	mx, mn := math.Max(r, math.Max(g, b)), math.Min(r, math.Min(g, b))
	l = (mx + mn) / 2
	if mx == mn {
		return 0, 0, l
	}
	d := mx - mn
	if l > 0.5 {
		s = d / (2 - mx - mn)
	} else {
		s = d / (mx + mn)
	}
	switch mx {
	case r:
		h = (g - b) / d
		if g < b {
			h += 6
		}
	case g:
		h = (b-r)/d + 2
	default:
		h = (r-g)/d + 4
	}
	return h * 60, s, l
}

func coverHSLToRGB(h, s, l float64) (r, g, b uint8) {
	c := (1 - math.Abs(2*l-1)) * s
	hp := h / 60
	x := c * (1 - math.Abs(math.Mod(hp, 2)-1))
	var r1, g1, b1 float64
	switch {
	case hp < 1:
		r1, g1 = c, x
	case hp < 2:
		r1, g1 = x, c
	case hp < 3:
		g1, b1 = c, x
	case hp < 4:
		g1, b1 = x, c
	case hp < 5:
		r1, b1 = x, c
	default:
		r1, b1 = c, x
	}
	m := l - c/2
	to8 := func(v float64) uint8 { return uint8(math.Round(coverClamp(v+m, 0, 1) * 255)) }
	return to8(r1), to8(g1), to8(b1)
}

// coverLuminance is the WCAG relative luminance of an sRGB colour.
func coverLuminance(r, g, b uint8) float64 {
	lin := func(c uint8) float64 {
		v := float64(c) / 255
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}
