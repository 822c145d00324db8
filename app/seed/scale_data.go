package seed

// scaleKind is a kind of product in one category: how titles end and which
// tags and price points are believable for it.
type scaleKind struct {
	Category string   // a demo category slug
	Nouns    []string // how titles end
	Tags     []string
	Prices   []int64 // typical price points, in cents
}

// scaleKinds are the kinds `seed --scale` draws from.
func scaleKinds() []scaleKind {
	return []scaleKind{
		{"lightroom-presets", []string{"Lightroom Presets", "Preset Pack", "Mobile Presets", "Film Presets"},
			[]string{"lightroom", "presets", "film", "portrait", "landscape", "moody", "warm", "mobile", "wedding", "travel"},
			[]int64{0, 900, 1200, 1900, 2500, 3900}},
		{"photography-presets", []string{"LUT Pack", "Color Grades", "Video LUTs"},
			[]string{"luts", "video", "color-grading", "cinematic", "film", "davinci"},
			[]int64{1500, 2400, 2900, 4900}},
		{"ebooks", []string{"Field Guide", "Handbook", "Workbook", "Playbook", "Pocket Guide"},
			[]string{"ebook", "pdf", "writing", "business", "freelance", "productivity", "guide", "marketing"},
			[]int64{0, 500, 900, 1200, 1500, 2000}},
		{"courses", []string{"Masterclass", "Video Course", "Bootcamp", "Workshop"},
			[]string{"course", "video", "beginner", "advanced", "photography", "design", "coding", "illustration"},
			[]int64{2900, 4900, 7900, 9900, 14900, 19900}},
		{"fonts", []string{"Display Font", "Serif Typeface", "Script Font", "Font Family", "Monospace"},
			[]string{"font", "typeface", "serif", "sans-serif", "display", "handwritten", "branding", "variable"},
			[]int64{1200, 1900, 2900, 4500, 8900}},
		{"notion-templates", []string{"Notion Template", "Notion Dashboard", "Notion Planner"},
			[]string{"notion", "template", "planner", "productivity", "student", "habit-tracker", "crm"},
			[]int64{0, 500, 900, 1500, 2900}},
		{"templates", []string{"Canva Kit", "Pitch Deck", "Resume Template", "Social Media Kit", "Figma UI Kit"},
			[]string{"template", "canva", "figma", "social-media", "branding", "resume", "presentation"},
			[]int64{700, 1200, 1900, 2900, 4900}},
		{"sample-packs", []string{"Sample Pack", "Loop Kit", "Drum Kit", "Synth Presets"},
			[]string{"samples", "loops", "drums", "lofi", "hip-hop", "techno", "ambient", "wav"},
			[]int64{900, 1500, 2500, 3500}},
		{"music-audio", []string{"Sound Effects", "Royalty-Free Track", "Ambience Pack"},
			[]string{"audio", "sfx", "music", "podcast", "ambient", "cinematic"},
			[]int64{500, 1500, 2900}},
		{"design-assets", []string{"Icon Set", "Texture Pack", "Brush Set", "Mockup Bundle", "Illustration Pack"},
			[]string{"icons", "textures", "procreate", "brushes", "mockups", "svg", "illustration", "watercolor"},
			[]int64{500, 1200, 1900, 2900, 3900}},
		{"software", []string{"Plugin", "CLI Tool", "Desktop App", "Browser Extension", "Script Bundle"},
			[]string{"software", "plugin", "macos", "windows", "automation", "developer", "open-source"},
			[]int64{0, 900, 1900, 4900, 9900}},
	}
}

// Words titles and store names are made of.
func scaleAdjectives() []string {
	return []string{"Coastal", "Nordic", "Golden", "Midnight", "Quiet", "Urban", "Vintage", "Cinematic", "Minimal",
		"Bold", "Soft", "Wild", "Analog", "Electric", "Paper", "Velvet", "Faded", "Bright", "Desert", "Alpine",
		"Tropical", "Rustic", "Neon", "Pastel", "Honest", "Modern", "Classic", "Tiny", "Ultimate", "Complete"}
}

func scaleSubjects() []string {
	return []string{"Film", "Forest", "Portrait", "Wedding", "Street", "Studio", "Ocean", "Autumn", "Winter", "Summer",
		"Coffee", "Garden", "City", "Mountain", "Kitchen", "Travel", "Freelancer", "Founder", "Writer", "Student",
		"Designer", "Podcast", "Lo-fi", "Botanical", "Retro", "Noir", "Harbor", "Meadow", "Dusk", "Sunrise"}
}

func scaleStoreWords() []string {
	return []string{"studio", "press", "works", "lab", "supply", "collective", "shop", "atelier", "co", "house"}
}
