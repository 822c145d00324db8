package seed

// demoCategory is a node of the category tree; Parent is the parent's slug or "".
type demoCategory struct{ Slug, Name, Parent string }

// demoStore is a creator and their store.
type demoStore struct {
	Slug, Name, Description, Accent string // Accent is "#rrggbb" lowercase
	OwnerName, OwnerEmail           string // email lowercase, at the domain claro.test
	ChargesEnabled                  bool
}

// demoFile is a small downloadable file attached to a demo product.
type demoFile struct{ Name, ContentType, Body string }

// demoProduct is a product listed in one of the demo stores.
type demoProduct struct {
	Store       string     // store slug
	Slug        string     // ^[a-z0-9][a-z0-9-]*$, <= 80 chars, unique within its store
	Title       string     // <= 160 chars
	Description string     // 1-3 sentences, plain text
	ContentMD   string     // Markdown "what you get" content shown only to buyers
	PriceCents  int64      // price in cents
	Category    string     // a category slug
	Tags        []string   // 2-4 lowercase tags
	Visibility  string     // "public", "private" or "draft"
	Files       []demoFile // 1-2 small text files
}

var demoCategories = []demoCategory{
	{Slug: "ebooks", Name: "Ebooks", Parent: ""},
	{Slug: "design-assets", Name: "Design Assets", Parent: ""},
	{Slug: "photography-presets", Name: "Photography Presets", Parent: ""},
	{Slug: "courses", Name: "Courses", Parent: ""},
	{Slug: "music-audio", Name: "Music & Audio", Parent: ""},
	{Slug: "fonts", Name: "Fonts", Parent: ""},
	{Slug: "templates", Name: "Templates", Parent: ""},
	{Slug: "software", Name: "Software", Parent: ""},
	{Slug: "lightroom-presets", Name: "Lightroom Presets", Parent: "photography-presets"},
	{Slug: "notion-templates", Name: "Notion Templates", Parent: "templates"},
	{Slug: "sample-packs", Name: "Sample Packs", Parent: "music-audio"},
}

var demoStores = []demoStore{
	{
		Slug:           "northlight",
		Name:           "Northlight Studio",
		Description:    "Northlight is the editing studio of landscape and portrait photographer Maren Holt. Everything here comes straight out of her own workflow: film-inspired Lightroom presets, LUTs for video, and practical courses on shooting and editing in natural light.",
		Accent:         "#2f6f8f",
		OwnerName:      "Maren Holt",
		OwnerEmail:     "maren@claro.test",
		ChargesEnabled: true,
	},
	{
		Slug:           "inkwell-press",
		Name:           "Inkwell Press",
		Description:    "Inkwell Press is a tiny independent publisher run by editor Theo Abernathy. We make short, useful books for working writers, plus the planning templates and Notion workspaces we use to get our own manuscripts finished.",
		Accent:         "#8c3b2e",
		OwnerName:      "Theo Abernathy",
		OwnerEmail:     "theo@claro.test",
		ChargesEnabled: true,
	},
	{
		Slug:           "pixelforge",
		Name:           "Pixelforge",
		Description:    "Pixelforge is a two-person design shop building icon sets, UI kits and small tools for designers. Every asset is vector, every kit is organised the way we wish other kits were, and every tool scratches an itch we had on client work.",
		Accent:         "#6b4de6",
		OwnerName:      "Priya Raman",
		OwnerEmail:     "priya@claro.test",
		ChargesEnabled: true,
	},
	{
		Slug:           "soundloft",
		Name:           "Soundloft",
		Description:    "Soundloft is producer Jonah Reyes's home for sample packs, royalty-free music and mixing lessons. All sounds are recorded and processed in our loft studio, cleared for commercial use, and tagged with key and tempo.",
		Accent:         "#d9822b",
		OwnerName:      "Jonah Reyes",
		OwnerEmail:     "jonah@claro.test",
		ChargesEnabled: true,
	},
	{
		Slug:           "typeyard",
		Name:           "Typeyard",
		Description:    "Typeyard is an independent type foundry drawing workhorse text faces and characterful display fonts. Each family ships with desktop and web formats, generous language support and a plain-English licence.",
		Accent:         "#1f8a5b",
		OwnerName:      "Elise Marchetti",
		OwnerEmail:     "elise@claro.test",
		ChargesEnabled: false,
	},
}

var demoProducts = []demoProduct{
	// --- northlight ---
	{
		Store:       "northlight",
		Slug:        "coastal-film-lightroom-presets",
		Title:       "Coastal Film: 12 Lightroom Presets",
		Description: "Soft, sun-faded tones inspired by Portra and Fuji 400H, tuned for seaside light. Works in Lightroom Classic, Lightroom CC and Lightroom Mobile.",
		ContentMD: `## What you get

- 12 presets in .xmp format (plus .dng for Lightroom Mobile)
- 3 strength variations of each look
- A one-page install guide for desktop and mobile

These presets were built on hundreds of beach and harbour frames shot across three summers. Start with "Coastal 02" for portraits and "Coastal 07" for wide landscapes, then adjust exposure to taste.`,
		PriceCents: 1900,
		Category:   "lightroom-presets",
		Tags:       []string{"lightroom", "film", "summer", "presets"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Coastal Film presets by Northlight Studio.\n\nDesktop: File > Import Profiles and Presets, then choose the .xmp folder.\nMobile: open each .dng, tap ... > Create Preset.\n"},
			{Name: "license.txt", ContentType: "text/plain", Body: "Single-user licence. You may use these presets on unlimited personal and client photos. You may not resell or redistribute the preset files.\n"},
		},
	},
	{
		Store:       "northlight",
		Slug:        "nordic-winter-presets",
		Title:       "Nordic Winter Presets",
		Description: "Cool, clean whites and muted blues for snow and overcast scenes. Keeps skin tones natural even in blue winter light.",
		ContentMD: `## What you get

- 10 Lightroom presets (.xmp and mobile .dng)
- A "snow fix" preset that recovers grey, underexposed snow
- Before/after reference images

Winter light is unforgiving: cameras underexpose snow and push everything towards blue. These presets correct both in a single click while keeping the quiet mood of a northern winter.`,
		PriceCents: 1499,
		Category:   "lightroom-presets",
		Tags:       []string{"lightroom", "winter", "snow"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Nordic Winter presets - 10 looks.\nTip: apply \"Snow Fix\" first, then stack one of the colour looks.\n"},
		},
	},
	{
		Store:       "northlight",
		Slug:        "golden-hour-portrait-presets",
		Title:       "Golden Hour Portrait Presets",
		Description: "Warm, glowing presets built for backlit portraits at sunset. Includes dedicated skin-tone adjustments for a wide range of complexions.",
		ContentMD: `## What you get

- 14 portrait presets (.xmp and .dng)
- Separate presets for light, medium and deep skin tones
- A short video walkthrough link

Golden hour is forgiving, but presets often turn skin orange. Each look here was tested on a diverse set of portraits so you can keep the glow without the cast.`,
		PriceCents: 2400,
		Category:   "lightroom-presets",
		Tags:       []string{"portrait", "golden-hour", "lightroom"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Golden Hour Portrait presets.\nStart with GH-Skin-Medium and adjust Temp by +/-300K to match your scene.\n"},
		},
	},
	{
		Store:       "northlight",
		Slug:        "moody-forest-luts",
		Title:       "Moody Forest LUT Pack (.cube)",
		Description: "Eight deep-green cinematic LUTs for video and stills. Compatible with Premiere Pro, DaVinci Resolve, Final Cut Pro and Photoshop.",
		ContentMD: `## What you get

- 8 LUTs in 33-point .cube format
- Versions for Rec.709 and S-Log3 / V-Log footage
- A quick-start guide for four editors

Designed for overcast woodland footage, these LUTs deepen greens, pull highlights back and add a subtle teal shadow tint. Apply at 60-80% opacity for a natural grade.`,
		PriceCents: 2900,
		Category:   "photography-presets",
		Tags:       []string{"luts", "video", "cinematic", "forest"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "MoodyForest01_sample.cube", ContentType: "text/plain", Body: "TITLE \"Moody Forest 01 (preview)\"\nLUT_3D_SIZE 2\nDOMAIN_MIN 0.0 0.0 0.0\nDOMAIN_MAX 1.0 1.0 1.0\n0.020 0.035 0.040\n0.880 0.120 0.100\n0.080 0.820 0.210\n0.860 0.850 0.300\n0.050 0.110 0.760\n0.830 0.200 0.780\n0.120 0.840 0.820\n0.960 0.970 0.930\n"},
			{Name: "README.txt", ContentType: "text/plain", Body: "Moody Forest LUT Pack.\nThe sample .cube is a low-resolution preview; the full 33-point LUTs are in the main download.\n"},
		},
	},
	{
		Store:       "northlight",
		Slug:        "street-black-and-white-presets",
		Title:       "Street Black & White Presets",
		Description: "High-contrast monochrome looks inspired by classic Tri-X street photography. Includes grain that holds up in print.",
		ContentMD: `## What you get

- 9 black and white presets
- 3 grain strengths tuned for web and print
- Red, yellow and green filter simulations

Monochrome lives or dies on tonal separation. These presets use colour-channel mixing, not just desaturation, so skies, skin and concrete stay distinct.`,
		PriceCents: 1299,
		Category:   "lightroom-presets",
		Tags:       []string{"black-and-white", "street", "film"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Street B&W presets.\nUse 'Red Filter' for dramatic skies, 'Green Filter' for portraits.\n"},
		},
	},
	{
		Store:       "northlight",
		Slug:        "editing-in-lightroom-classic",
		Title:       "Editing in Lightroom Classic: From Import to Export",
		Description: "A complete, project-based course covering cataloguing, global and local adjustments, colour grading and export settings. Nine modules with raw files to follow along.",
		ContentMD: `## What you get

- 9 video modules (about 6 hours in total)
- 40 raw files to edit alongside the lessons
- Printable keyboard shortcut cheat sheet
- Lifetime access to future updates

This course follows a real shoot from card to client gallery. You will build a catalogue structure that scales, learn when to use masks instead of global sliders, and finish with export presets for web, print and social.`,
		PriceCents: 8900,
		Category:   "courses",
		Tags:       []string{"lightroom", "course", "editing", "workflow"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "course-outline.txt", ContentType: "text/plain", Body: "1. Importing and catalogues\n2. Culling fast\n3. Basic panel in depth\n4. Tone curve\n5. Colour mixer and grading\n6. Masks\n7. Retouching\n8. Batch editing\n9. Export and delivery\n"},
			{Name: "shortcuts.csv", ContentType: "text/csv", Body: "action,mac,windows\nLoupe view,E,E\nGrid view,G,G\nDevelop,D,D\nBefore/after,\\,\\\nCopy settings,Cmd+Shift+C,Ctrl+Shift+C\nPaste settings,Cmd+Shift+V,Ctrl+Shift+V\n"},
		},
	},
	{
		Store:       "northlight",
		Slug:        "landscape-composition-field-guide",
		Title:       "The Landscape Composition Field Guide",
		Description: "A pocket-sized ebook of 30 composition patterns for landscape photographers, each illustrated with an annotated example. Designed to be read on your phone in the field.",
		ContentMD: `## What you get

- 82-page ebook in PDF and EPUB
- 30 composition patterns with annotated photographs
- A one-page checklist to use on location

Rules of thirds only get you so far. This guide covers layering, leading lines that actually lead somewhere, negative space and how to find a composition when the light is flat.`,
		PriceCents: 1500,
		Category:   "ebooks",
		Tags:       []string{"landscape", "composition", "ebook"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "field-checklist.txt", ContentType: "text/plain", Body: "On location:\n[ ] Foreground anchor?\n[ ] Clean edges?\n[ ] Where does the eye exit?\n[ ] Would a step left or right help?\n"},
		},
	},
	{
		Store:       "northlight",
		Slug:        "photography-client-guide-template",
		Title:       "Photography Client Welcome Guide Template",
		Description: "An editable 16-page welcome guide for portrait and wedding photographers. Answers the questions clients ask before every session.",
		ContentMD: `## What you get

- 16-page template for Canva and Adobe InDesign
- Pre-written copy for what to wear, timelines and delivery
- Free font suggestions and a colour swatch file

Send this guide after booking and watch the repetitive emails disappear. Every page is editable, and the copy is written to be friendly without sounding like a form letter.`,
		PriceCents: 2500,
		Category:   "templates",
		Tags:       []string{"photography", "client", "canva"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Client Welcome Guide.\nCanva: open the link in canva-link.txt and choose 'Use template'.\nInDesign: open ClientGuide.indd (fonts listed in fonts.txt).\n"},
		},
	},
	{
		Store:       "northlight",
		Slug:        "film-emulation-luts-vol-2",
		Title:       "Film Emulation LUTs Vol. 2",
		Description: "A second volume of film emulation LUTs covering Ektachrome, Cinestill 800T and Ilford HP5. Currently in testing.",
		ContentMD: `## What you get

- 12 film emulation LUTs (.cube)
- Log and Rec.709 versions
- Grain overlays in 4K

Volume two focuses on slide and tungsten stocks. Each LUT was matched against scanned reference frames shot side by side with a digital camera.`,
		PriceCents: 3400,
		Category:   "photography-presets",
		Tags:       []string{"luts", "film", "video"},
		Visibility: "draft",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Film Emulation LUTs Vol. 2 - work in progress.\n"},
		},
	},
	{
		Store:       "northlight",
		Slug:        "mobile-presets-starter-pack",
		Title:       "Mobile Presets Starter Pack",
		Description: "Five one-tap presets for Lightroom Mobile, picked from our most popular collections. A simple way to try the Northlight look on your phone.",
		ContentMD: `## What you get

- 5 mobile presets (.dng)
- Step-by-step install screenshots for iOS and Android

A small sampler of our best-loved looks: two from Coastal Film, one from Nordic Winter, one Golden Hour and one black and white.`,
		PriceCents: 900,
		Category:   "photography-presets",
		Tags:       []string{"mobile", "lightroom", "starter"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "install.txt", ContentType: "text/plain", Body: "1. Save the .dng files to your phone.\n2. In Lightroom Mobile, import them as photos.\n3. Open each one, tap ... > Create Preset.\n"},
		},
	},

	// --- inkwell-press ---
	{
		Store:       "inkwell-press",
		Slug:        "the-quiet-freelancer",
		Title:       "The Quiet Freelancer: Finding Clients Without Hustle",
		Description: "A practical guide for introverted writers and designers who want steady freelance work without cold calls or constant self-promotion.",
		ContentMD: `## What you get

- 148-page ebook (PDF, EPUB and Kindle-ready MOBI)
- 12 email templates for follow-ups and rate increases
- A worksheet for defining your niche

The book is built around one idea: most good clients come from a small number of deep relationships, not a big audience. It shows how to build those relationships at a pace that does not drain you.`,
		PriceCents: 1900,
		Category:   "ebooks",
		Tags:       []string{"freelancing", "business", "ebook"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "email-templates.txt", ContentType: "text/plain", Body: "Template 1 - Checking in after a project\n\nHi {name},\nIt has been a few months since we wrapped {project}. I would love to hear how it is performing...\n"},
		},
	},
	{
		Store:       "inkwell-press",
		Slug:        "writing-a-nonfiction-book-proposal",
		Title:       "Writing a Nonfiction Book Proposal",
		Description: "A step-by-step guide to the proposal agents actually want to read, with two annotated proposals that sold.",
		ContentMD: `## What you get

- 96-page ebook in PDF and EPUB
- Two complete, annotated proposals
- A fill-in-the-blanks proposal outline

Most nonfiction is sold on a proposal, not a manuscript. This guide walks through the overview, market analysis, chapter summaries and sample chapter, with notes from an editor's side of the desk.`,
		PriceCents: 1299,
		Category:   "ebooks",
		Tags:       []string{"writing", "publishing", "nonfiction"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "proposal-outline.txt", ContentType: "text/plain", Body: "1. Overview (2-3 pages)\n2. About the author\n3. Market and comparable titles\n4. Marketing plan\n5. Chapter summaries\n6. Sample chapter\n"},
		},
	},
	{
		Store:       "inkwell-press",
		Slug:        "notion-writers-workspace",
		Title:       "Notion Writer's Workspace",
		Description: "An all-in-one Notion workspace for planning, drafting and revising a book. Tracks word counts, characters, research and submissions.",
		ContentMD: `## What you get

- Duplicable Notion template with 7 linked databases
- Daily word-count tracker with weekly rollups
- Character, location and research wikis
- A submissions tracker for agents and magazines

We built this workspace to finish our own novels. It keeps everything about a project on one page without becoming another hobby to maintain.`,
		PriceCents: 2400,
		Category:   "notion-templates",
		Tags:       []string{"notion", "writing", "productivity"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Open the link in notion-link.txt while logged in to Notion, then click Duplicate in the top right.\n"},
			{Name: "notion-link.txt", ContentType: "text/plain", Body: "https://notion.example/inkwell/writers-workspace\n"},
		},
	},
	{
		Store:       "inkwell-press",
		Slug:        "notion-reading-tracker",
		Title:       "Notion Reading Tracker",
		Description: "A simple, good-looking Notion template for logging books, quotes and reading goals.",
		ContentMD: `## What you get

- Notion template with gallery and table views
- Yearly reading goal progress bar
- Quote collection linked to each book

Log a book in ten seconds, rate it, and pull your favourite lines into a searchable quote bank.`,
		PriceCents: 900,
		Category:   "notion-templates",
		Tags:       []string{"notion", "reading", "books"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Duplicate the template from the link below, then delete the three sample books.\nhttps://notion.example/inkwell/reading-tracker\n"},
		},
	},
	{
		Store:       "inkwell-press",
		Slug:        "self-publishing-launch-checklist",
		Title:       "Self-Publishing Launch Checklist",
		Description: "A 90-day launch plan for indie authors, from cover brief to release-week promotions. Available as a printable PDF and a spreadsheet.",
		ContentMD: `## What you get

- 90-day launch checklist (PDF and spreadsheet)
- Cover designer brief template
- ARC reader outreach email

Nothing here is magic; it is the boring list of things that are easy to forget. Tick it off week by week and release day stops being a scramble.`,
		PriceCents: 1200,
		Category:   "templates",
		Tags:       []string{"self-publishing", "checklist", "authors"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "launch-checklist.csv", ContentType: "text/csv", Body: "week,task,done\n-12,Commission cover,no\n-10,Final edit complete,no\n-8,Send ARCs,no\n-4,Set up preorder,no\n0,Launch day email,no\n"},
		},
	},
	{
		Store:       "inkwell-press",
		Slug:        "plotting-your-novel",
		Title:       "Plotting Your Novel: A Six-Week Course",
		Description: "A six-week self-paced course that takes you from a vague premise to a chapter-by-chapter outline. Includes weekly assignments and worked examples.",
		ContentMD: `## What you get

- 6 weekly lessons (video and transcript)
- Weekly assignments with example answers
- Scene card templates in PDF

By the end you will have a full outline you actually want to write. The course borrows from several structure models but never asks you to force your story into a formula.`,
		PriceCents: 6900,
		Category:   "courses",
		Tags:       []string{"fiction", "plotting", "course"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "syllabus.txt", ContentType: "text/plain", Body: "Week 1: Premise and stakes\nWeek 2: Character wants and needs\nWeek 3: The midpoint\nWeek 4: Subplots\nWeek 5: Scene lists\nWeek 6: The full outline\n"},
		},
	},
	{
		Store:       "inkwell-press",
		Slug:        "ebook-interior-templates",
		Title:       "Ebook & Paperback Interior Templates",
		Description: "Professionally typeset interior templates for fiction and nonfiction in Word and InDesign. Trim sizes for the major print-on-demand services included.",
		ContentMD: `## What you get

- 4 interior designs in Word (.docx) and InDesign (.indd)
- Trim sizes 5x8, 5.5x8.5 and 6x9 inches
- Paragraph and character styles ready for EPUB export

Drop in your manuscript, apply the styles and export. Chapter openers, scene breaks and front matter are all designed to look good in print and on screen.`,
		PriceCents: 3900,
		Category:   "templates",
		Tags:       []string{"book-design", "indesign", "typesetting"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Interior templates.\nEach design folder contains Word and InDesign versions for three trim sizes.\n"},
		},
	},
	{
		Store:       "inkwell-press",
		Slug:        "essays-on-craft",
		Title:       "Essays on Craft: Collected Newsletter Pieces",
		Description: "Twenty essays on revision, voice and finishing, collected from the Inkwell newsletter. Shared privately with subscribers.",
		ContentMD: `## What you get

- 20 essays in PDF and EPUB
- A new foreword written for this collection

These pieces first went out to newsletter subscribers over three years. They are gathered here, lightly revised, as a thank-you for reading.`,
		PriceCents: 1499,
		Category:   "ebooks",
		Tags:       []string{"essays", "writing", "craft"},
		Visibility: "private",
		Files: []demoFile{
			{Name: "contents.txt", ContentType: "text/plain", Body: "1. The second draft is the real first draft\n2. Voice is a set of decisions\n3. On finishing things\n...\n"},
		},
	},
	{
		Store:       "inkwell-press",
		Slug:        "grant-writing-handbook",
		Title:       "The Grant Writing Handbook for Artists",
		Description: "How to find, write and win arts grants and residencies. Covers artist statements, budgets and project narratives with real examples.",
		ContentMD: `## What you get

- 120-page ebook in PDF and EPUB
- Budget spreadsheet template
- Three successful applications, annotated

Grant panels read hundreds of applications. This handbook shows what makes one easy to say yes to: clarity, a credible budget and a project that fits the funder.`,
		PriceCents: 2900,
		Category:   "ebooks",
		Tags:       []string{"grants", "artists", "funding"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "grant-budget.csv", ContentType: "text/csv", Body: "line,description,amount\n1,Artist fee,3000\n2,Materials,850\n3,Venue hire,600\n4,Documentation,400\n"},
		},
	},
	{
		Store:       "inkwell-press",
		Slug:        "manuscript-style-sheet",
		Title:       "Manuscript Style Sheet Template",
		Description: "The style sheet our copyeditors use to keep names, spellings and timelines consistent across a manuscript.",
		ContentMD: `## What you get

- Style sheet template (PDF and spreadsheet)
- Example sheet from a finished novel

Fill it in as you revise and your copyeditor will thank you.`,
		PriceCents: 900,
		Category:   "templates",
		Tags:       []string{"editing", "copyediting", "manuscript"},
		Visibility: "draft",
		Files: []demoFile{
			{Name: "style-sheet.csv", ContentType: "text/csv", Body: "term,usage,first_page\nNorthgate,proper noun (town),3\nok,spell as 'okay',12\n"},
		},
	},

	// --- pixelforge ---
	{
		Store:       "pixelforge",
		Slug:        "isometric-city-icon-set",
		Title:       "Isometric City Icon Set",
		Description: "180 isometric icons of buildings, vehicles and street furniture in a consistent 30-degree grid. Editable SVG, Figma and Illustrator sources.",
		ContentMD: `## What you get

- 180 icons in SVG, PNG (512 px) and PDF
- Figma library with colour variables
- Adobe Illustrator source file

Every icon is drawn on the same isometric grid, so they snap together into scenes. Swap the palette in Figma in seconds using the included colour variables.`,
		PriceCents: 2900,
		Category:   "design-assets",
		Tags:       []string{"icons", "isometric", "svg", "figma"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Isometric City Icon Set v1.3\nFolders: /svg /png /pdf /figma /ai\n"},
			{Name: "license.txt", ContentType: "text/plain", Body: "Commercial licence: use in unlimited personal and client projects. Do not resell the icons as icons.\n"},
		},
	},
	{
		Store:       "pixelforge",
		Slug:        "gradient-mesh-backgrounds",
		Title:       "Gradient Mesh Backgrounds",
		Description: "60 soft, high-resolution gradient backgrounds for websites, slides and social posts. Delivered at 6K resolution.",
		ContentMD: `## What you get

- 60 backgrounds at 6000 x 4000 px (JPG and WebP)
- Editable Figma file with mesh gradients
- A palette list with hex codes

Subtle enough to sit behind text, rich enough to carry a hero section on their own.`,
		PriceCents: 1900,
		Category:   "design-assets",
		Tags:       []string{"gradients", "backgrounds", "wallpapers"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "palettes.csv", ContentType: "text/csv", Body: "name,color1,color2,color3\nDawn,#ffd6a5,#ffadad,#bdb2ff\nLagoon,#0b7285,#66d9e8,#e3fafc\nMoss,#2b8a3e,#a9e34b,#f4fce3\n"},
		},
	},
	{
		Store:       "pixelforge",
		Slug:        "ui-wireframe-kit",
		Title:       "UI Wireframe Kit for Figma",
		Description: "More than 400 low-fidelity components for fast wireframing of web and mobile apps. Built with auto layout and component properties.",
		ContentMD: `## What you get

- 400+ wireframe components
- 60 ready-made screen templates (web and mobile)
- Light and dark wireframe styles

Wireframes should be quick and ugly in the right way. This kit gives you every common pattern, from navigation to checkout, so you can focus on flow instead of drawing boxes.`,
		PriceCents: 4900,
		Category:   "design-assets",
		Tags:       []string{"figma", "wireframes", "ui-kit"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Import the .fig file into Figma, then publish it as a team library.\n"},
		},
	},
	{
		Store:       "pixelforge",
		Slug:        "figma-saas-dashboard-kit",
		Title:       "SaaS Dashboard Kit: 48 Figma Screens",
		Description: "A polished dashboard design system with charts, tables, settings pages and onboarding flows. Fully responsive with light and dark modes.",
		ContentMD: `## What you get

- 48 desktop and mobile screens
- 250+ components with variants
- Chart components built from real data shapes
- Light and dark themes driven by variables

Start a new product with screens that already handle empty states, loading and errors. Everything uses an 8-point grid and named tokens that map cleanly to CSS.`,
		PriceCents: 5900,
		Category:   "templates",
		Tags:       []string{"figma", "dashboard", "saas", "ui-kit"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "tokens.csv", ContentType: "text/csv", Body: "token,light,dark\nsurface,#ffffff,#111827\ntext,#111827,#f9fafb\naccent,#6b4de6,#8b74f0\n"},
		},
	},
	{
		Store:       "pixelforge",
		Slug:        "svg-pattern-library",
		Title:       "SVG Pattern Library",
		Description: "120 seamless geometric patterns as lightweight SVGs. Perfect for packaging, web backgrounds and print.",
		ContentMD: `## What you get

- 120 seamless patterns in SVG and PNG
- CSS snippets for repeating backgrounds
- Adobe Illustrator pattern swatches

Most patterns are under 2 KB, so they load instantly as website backgrounds. Recolour them by editing a single fill value.`,
		PriceCents: 2400,
		Category:   "design-assets",
		Tags:       []string{"patterns", "svg", "geometric"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "usage.txt", ContentType: "text/plain", Body: "CSS: background-image: url(pattern-042.svg); background-size: 48px 48px;\n"},
		},
	},
	{
		Store:       "pixelforge",
		Slug:        "palette-cli",
		Title:       "Palette CLI: Extract Colour Palettes from Images",
		Description: "A tiny command-line tool that pulls a balanced colour palette from any image and exports it as CSS variables, JSON or an ASE swatch file.",
		ContentMD: `## What you get

- Binaries for macOS, Windows and Linux
- Export to CSS, JSON, ASE and Tailwind config
- Free updates for version 1.x

Run "palette photo.jpg --count 6" and get a palette that is actually usable in a UI, not just the six most common pixels.`,
		PriceCents: 1500,
		Category:   "software",
		Tags:       []string{"cli", "color", "developer-tools"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "palette - extract colour palettes\n\nUsage: palette IMAGE [--count N] [--format css|json|ase|tailwind]\n"},
		},
	},
	{
		Store:       "pixelforge",
		Slug:        "icon-batch-exporter",
		Title:       "Icon Batch Exporter",
		Description: "A desktop app that turns a folder of SVG icons into optimised PNG, WebP and icon-font packages in one click.",
		ContentMD: `## What you get

- Desktop app for macOS and Windows
- Export presets for iOS, Android and web
- Built-in SVG optimiser

Drag a folder in, pick a preset, press export. Handy for design systems that need the same icon set in a dozen sizes.`,
		PriceCents: 2900,
		Category:   "software",
		Tags:       []string{"icons", "export", "desktop-app"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "changelog.txt", ContentType: "text/plain", Body: "2.1.0 - WebP export, Apple Silicon build\n2.0.0 - icon-font export\n1.4.2 - fix for SVGs with nested groups\n"},
		},
	},
	{
		Store:       "pixelforge",
		Slug:        "landing-page-templates",
		Title:       "Landing Page Templates (HTML + Tailwind)",
		Description: "Six responsive landing pages for apps, courses and products, built with plain HTML and Tailwind CSS. No build step required.",
		ContentMD: `## What you get

- 6 landing page templates
- Matching Figma designs
- Accessible markup and semantic HTML

Each page is a single HTML file you can open, edit and deploy anywhere. Sections are clearly commented so you can mix and match.`,
		PriceCents: 3900,
		Category:   "templates",
		Tags:       []string{"html", "tailwind", "landing-page"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Open any index.html in a browser. Tailwind is loaded from a CDN; see BUILD.txt to compile it locally.\n"},
		},
	},
	{
		Store:       "pixelforge",
		Slug:        "design-systems-from-scratch",
		Title:       "Design Systems from Scratch",
		Description: "An in-depth video course on building and maintaining a design system in Figma, from tokens to documentation. Includes the full course Figma file.",
		ContentMD: `## What you get

- 42 lessons (about 11 hours of video)
- The complete course design system in Figma
- Templates for component documentation
- Access to the private student forum

We teach the system we use with clients: start with tokens, build a small set of primitives, and document decisions as you go. You will finish with a working system and the habits to keep it healthy.`,
		PriceCents: 14900,
		Category:   "courses",
		Tags:       []string{"design-systems", "figma", "course"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "curriculum.txt", ContentType: "text/plain", Body: "Part 1: Foundations and tokens\nPart 2: Primitives\nPart 3: Patterns\nPart 4: Documentation\nPart 5: Governance and versioning\n"},
		},
	},
	{
		Store:       "pixelforge",
		Slug:        "hand-drawn-arrows",
		Title:       "Hand-Drawn Arrows & Scribbles",
		Description: "90 hand-drawn arrows, underlines and doodles to add a human touch to slides and social graphics.",
		ContentMD: `## What you get

- 90 vector doodles in SVG and PNG
- Figma and Procreate brush-friendly versions

Drawn with a real pen, scanned and carefully vectorised so the lines keep their wobble.`,
		PriceCents: 900,
		Category:   "design-assets",
		Tags:       []string{"hand-drawn", "doodles", "arrows"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Hand-drawn arrows. Recolour SVGs by changing the stroke attribute.\n"},
		},
	},
	{
		Store:       "pixelforge",
		Slug:        "device-mockups-client-preview",
		Title:       "Device Mockups Pack (Client Preview)",
		Description: "Photorealistic phone, tablet and laptop mockups with smart-object screens. This listing is shared privately with agency partners before launch.",
		ContentMD: `## What you get

- 24 device mockups (PSD and Figma)
- Shadow and reflection layers you can toggle
- 4K renders

Place your screen design into the smart object and the perspective is handled for you.`,
		PriceCents: 3400,
		Category:   "design-assets",
		Tags:       []string{"mockups", "devices", "photoshop"},
		Visibility: "private",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Double-click the 'Your Design' layer in each PSD to replace the screen.\n"},
		},
	},

	// --- soundloft ---
	{
		Store:       "soundloft",
		Slug:        "lofi-drum-kit",
		Title:       "Dusty Tapes: Lo-fi Drum Kit",
		Description: "A lo-fi hip hop drum kit recorded on a vintage kit and bounced to cassette. 220 one-shots and 40 loops, all royalty-free.",
		ContentMD: `## What you get

- 220 one-shots (kicks, snares, hats, percussion)
- 40 drum loops at 70-92 BPM
- 24-bit WAV files, tagged with tempo

Every hit went through a real tape deck, so the saturation and wobble are baked in. Drop the loops in and they already sound like a record.`,
		PriceCents: 2400,
		Category:   "sample-packs",
		Tags:       []string{"lofi", "drums", "hip-hop", "samples"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Dusty Tapes drum kit. Loops are named LOOP_<bpm>_<name>.wav.\n"},
			{Name: "license.txt", ContentType: "text/plain", Body: "Royalty-free for use in your own music, including commercial releases. Do not redistribute the samples as a sample pack.\n"},
		},
	},
	{
		Store:       "soundloft",
		Slug:        "ambient-textures-vol-1",
		Title:       "Ambient Textures Vol. 1",
		Description: "Evolving pads, drones and granular textures for ambient, film and game music. Every file is loopable and labelled with key.",
		ContentMD: `## What you get

- 85 textures (30 seconds to 2 minutes each)
- Keys labelled in every filename
- 24-bit / 48 kHz WAV

Built from field recordings, bowed guitar and modular synths, then stretched and layered. Ideal as beds under dialogue or as the foundation of a track.`,
		PriceCents: 2900,
		Category:   "sample-packs",
		Tags:       []string{"ambient", "textures", "drones"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "contents.csv", ContentType: "text/csv", Body: "file,key,length_s\nTX01_Glass_Drone.wav,D,94\nTX02_Harbour_Pad.wav,F#m,61\nTX03_Granular_Rain.wav,A,120\n"},
		},
	},
	{
		Store:       "soundloft",
		Slug:        "cinematic-risers-and-impacts",
		Title:       "Cinematic Risers & Impacts",
		Description: "Trailer-ready risers, hits, whooshes and downers for video editors and composers.",
		ContentMD: `## What you get

- 150 sound effects in 24-bit WAV
- Risers in 5, 10 and 15 second lengths
- Stems for the most popular impacts

Line the end of a riser up with your cut and let the impact land. Everything is mastered to sit at a consistent loudness.`,
		PriceCents: 3400,
		Category:   "sample-packs",
		Tags:       []string{"sfx", "cinematic", "trailer"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Folders: /Risers /Impacts /Whooshes /Downers /Stems\n"},
		},
	},
	{
		Store:       "soundloft",
		Slug:        "podcast-intro-music-pack",
		Title:       "Podcast Intro Music Pack",
		Description: "Twelve short, royalty-free music beds for podcast intros, outros and segment transitions, each in three lengths.",
		ContentMD: `## What you get

- 12 tracks, each in 5, 15 and 30 second edits
- Full-length versions for background use
- Stingers for segment transitions

Written to sit under a voice without fighting it. Licensed for unlimited episodes on any platform.`,
		PriceCents: 4900,
		Category:   "music-audio",
		Tags:       []string{"podcast", "royalty-free", "music"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "license.txt", ContentType: "text/plain", Body: "Licence: use in unlimited podcast episodes, YouTube videos and livestreams. Credit appreciated but not required.\n"},
		},
	},
	{
		Store:       "soundloft",
		Slug:        "neo-soul-vocal-chops",
		Title:       "Neo Soul Vocal Chops",
		Description: "Silky vocal phrases, ad-libs and chops recorded with a session singer. Dry and processed versions included.",
		ContentMD: `## What you get

- 120 vocal chops and phrases
- Dry and processed versions of every file
- Tempo and key in each filename

All vocals were performed for this pack and are cleared for commercial use, so there are no surprises when your track is released.`,
		PriceCents: 1999,
		Category:   "sample-packs",
		Tags:       []string{"vocals", "neo-soul", "samples"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Neo Soul Vocal Chops. File names: VOX_<bpm>_<key>_<name>.wav\n"},
		},
	},
	{
		Store:       "soundloft",
		Slug:        "mixing-fundamentals",
		Title:       "Mixing Fundamentals: EQ, Compression and Space",
		Description: "A practical mixing course built around real multitracks. Learn to make decisions by ear instead of following preset chains.",
		ContentMD: `## What you get

- 24 video lessons (about 7 hours)
- 3 full multitrack sessions to mix along with
- Reference mixes and a mix checklist

Each module tackles one problem: muddy low end, harsh vocals, a mix that sounds small. You will hear every move before and after, and learn why it works.`,
		PriceCents: 9900,
		Category:   "courses",
		Tags:       []string{"mixing", "audio-engineering", "course"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "mix-checklist.txt", ContentType: "text/plain", Body: "[ ] Gain staging at -18 dBFS\n[ ] High-pass everything that is not bass or kick\n[ ] Check in mono\n[ ] Reference at matched loudness\n"},
		},
	},
	{
		Store:       "soundloft",
		Slug:        "field-recordings-rain-city",
		Title:       "Field Recordings: Rain City",
		Description: "Binaural recordings of rain on tin roofs, umbrellas, gutters and night streets. Great for sound design and relaxation content.",
		ContentMD: `## What you get

- 36 recordings, 2 to 10 minutes each
- Binaural and stereo versions
- 24-bit / 96 kHz WAV

Recorded over one wet autumn in the city. Best on headphones.`,
		PriceCents: 1500,
		Category:   "music-audio",
		Tags:       []string{"field-recording", "rain", "ambience"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "locations.txt", ContentType: "text/plain", Body: "01 Tin roof, allotment shed\n02 Umbrella, bus stop\n03 Gutter overflow, back alley\n04 Night street, light traffic\n"},
		},
	},
	{
		Store:       "soundloft",
		Slug:        "analog-pads-vital-presets",
		Title:       "Analog Pads: 64 Presets for Vital",
		Description: "Warm, evolving pad presets for the free Vital synthesizer, modelled on classic analog polysynths.",
		ContentMD: `## What you get

- 64 Vital presets
- Macro controls mapped on every patch
- Demo MIDI files

Each patch uses the four macros for brightness, movement, width and space, so you can reshape sounds without diving into the synth.`,
		PriceCents: 1900,
		Category:   "music-audio",
		Tags:       []string{"vital", "synth-presets", "pads"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "install.txt", ContentType: "text/plain", Body: "Copy the 'Soundloft Analog Pads' folder into Vital/Presets, then rescan in the browser.\n"},
		},
	},
	{
		Store:       "soundloft",
		Slug:        "meditation-music-collection",
		Title:       "Royalty-Free Meditation Music Collection",
		Description: "Ten calm, slowly evolving tracks for meditation apps, yoga classes and wellness videos. Licensed for commercial use.",
		ContentMD: `## What you get

- 10 tracks, 10 to 20 minutes each
- Seamless loop versions
- MP3 and WAV formats

Gentle, unobtrusive and free of sudden changes, so listeners can settle in.`,
		PriceCents: 3900,
		Category:   "music-audio",
		Tags:       []string{"meditation", "royalty-free", "ambient"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "tracklist.csv", ContentType: "text/csv", Body: "track,title,minutes\n1,Still Water,12\n2,Low Tide,15\n3,Cedar,10\n4,Long Exhale,20\n"},
		},
	},
	{
		Store:       "soundloft",
		Slug:        "beat-making-workflow",
		Title:       "The Beat-Making Workflow",
		Description: "A short ebook on finishing more beats: session templates, sample organisation and habits for getting from loop to song.",
		ContentMD: `## What you get

- 64-page ebook (PDF)
- Session template checklist

Most producers have hundreds of eight-bar loops. This book is about turning them into finished tracks.`,
		PriceCents: 1299,
		Category:   "ebooks",
		Tags:       []string{"beat-making", "productivity", "ebook"},
		Visibility: "draft",
		Files: []demoFile{
			{Name: "outline.txt", ContentType: "text/plain", Body: "1. Templates\n2. Sample folders that work\n3. Arranging from a loop\n4. Deadlines\n"},
		},
	},
	{
		Store:       "soundloft",
		Slug:        "bpm-key-tagger",
		Title:       "BPM & Key Tagger",
		Description: "A small desktop utility that detects tempo and key for a folder of samples and writes them into filenames and metadata.",
		ContentMD: `## What you get

- Desktop app for macOS and Windows
- Batch rename with custom patterns
- Writes ID3 and BWF metadata

Point it at a messy sample folder and get back files named the way your DAW browser likes them.`,
		PriceCents: 1900,
		Category:   "software",
		Tags:       []string{"utility", "samples", "organisation"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Rename pattern example: {name}_{bpm}bpm_{key}.wav\n"},
		},
	},

	// --- typeyard ---
	{
		Store:       "typeyard",
		Slug:        "harbor-serif",
		Title:       "Harbor Serif: Text Family",
		Description: "A sturdy book serif with eight weights and true italics, designed for long reading on screen and in print.",
		ContentMD: `## What you get

- 16 styles (8 weights with italics)
- OTF, TTF, WOFF2 and a variable font
- Support for 210+ Latin-script languages

Harbor has generous x-height, open counters and calm italics. It sets beautifully at 9 pt in print and holds up at small sizes on low-resolution screens.`,
		PriceCents: 4900,
		Category:   "fonts",
		Tags:       []string{"serif", "text-font", "variable"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Harbor Serif v2.004\nDesktop: install the files in /OTF.\nWeb: use the files in /WOFF2 with @font-face.\n"},
			{Name: "license.txt", ContentType: "text/plain", Body: "Desktop licence for up to 3 computers. Web use up to 100,000 monthly page views. Contact us for app or broadcast use.\n"},
		},
	},
	{
		Store:       "typeyard",
		Slug:        "gridline-grotesk",
		Title:       "Gridline Grotesk",
		Description: "A neutral, slightly condensed grotesk for interfaces and signage, with tabular figures and a full set of arrows.",
		ContentMD: `## What you get

- 9 weights from Thin to Black
- Variable font with weight and width axes
- Tabular figures, arrows and UI symbols

Gridline was drawn for dense dashboards and wayfinding. Tight spacing options and tabular numbers keep columns aligned.`,
		PriceCents: 5900,
		Category:   "fonts",
		Tags:       []string{"sans-serif", "grotesk", "ui"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Gridline Grotesk. Enable tabular figures with font-variant-numeric: tabular-nums.\n"},
		},
	},
	{
		Store:       "typeyard",
		Slug:        "marmalade-display",
		Title:       "Marmalade Display",
		Description: "A bouncy, retro display face with soft terminals and playful alternates. Made for packaging, posters and menus.",
		ContentMD: `## What you get

- Regular and Bold weights
- 120 stylistic alternates and ligatures
- OTF, TTF and WOFF2

Marmalade is happiest at large sizes. Turn on the swash alternates for headlines that feel hand-lettered.`,
		PriceCents: 2900,
		Category:   "fonts",
		Tags:       []string{"display", "retro", "packaging"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Marmalade Display. Stylistic sets: ss01 swashes, ss02 alternate a and g.\n"},
		},
	},
	{
		Store:       "typeyard",
		Slug:        "fieldnote-mono",
		Title:       "Fieldnote Mono",
		Description: "A warm monospaced typeface for code, terminals and editorial design, with optional programming ligatures.",
		ContentMD: `## What you get

- 6 weights with italics
- Optional coding ligatures
- Box-drawing and Powerline glyphs

Monospaced fonts do not have to feel mechanical. Fieldnote borrows rhythm from typewriter faces while staying crisp in the editor.`,
		PriceCents: 3900,
		Category:   "fonts",
		Tags:       []string{"monospace", "coding", "typewriter"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Fieldnote Mono. The 'NL' builds have ligatures disabled.\n"},
		},
	},
	{
		Store:       "typeyard",
		Slug:        "quill-script",
		Title:       "Quill Script",
		Description: "An elegant connecting script with over 400 glyphs, drawn from dip-pen lettering. Ideal for invitations and branding.",
		ContentMD: `## What you get

- 1 script style with 400+ glyphs
- Contextual alternates for natural connections
- Beginning and ending swashes

Quill swaps letterforms automatically as you type, so double letters never look copied and pasted.`,
		PriceCents: 2400,
		Category:   "fonts",
		Tags:       []string{"script", "calligraphy", "wedding"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Quill Script. Turn on contextual alternates (calt) in your design app.\n"},
		},
	},
	{
		Store:       "typeyard",
		Slug:        "gridline-grotesk-condensed-beta",
		Title:       "Gridline Grotesk Condensed (Beta)",
		Description: "Early access to the condensed widths of Gridline Grotesk for customers testing it in signage projects. Shared by private link only.",
		ContentMD: `## What you get

- 5 condensed weights (beta)
- Free upgrade to the final release

Please send feedback on spacing and numerals; beta customers receive the final family at no cost.`,
		PriceCents: 1900,
		Category:   "fonts",
		Tags:       []string{"condensed", "beta", "grotesk"},
		Visibility: "private",
		Files: []demoFile{
			{Name: "feedback.txt", ContentType: "text/plain", Body: "Reply to the purchase email with screenshots and notes. Thank you for testing!\n"},
		},
	},
	{
		Store:       "typeyard",
		Slug:        "type-specimen-template",
		Title:       "Type Specimen Poster Template",
		Description: "An InDesign and Figma template for presenting your own typeface as a printable specimen poster.",
		ContentMD: `## What you get

- A2 and A3 poster layouts
- InDesign and Figma files
- Waterfall, glyph grid and pangram sections

Swap in your font and every section updates. A quick way to proof a typeface in print.`,
		PriceCents: 1900,
		Category:   "templates",
		Tags:       []string{"specimen", "poster", "typography"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Replace the 'Specimen' paragraph style font to update the whole poster.\n"},
		},
	},
	{
		Store:       "typeyard",
		Slug:        "variable-fonts-primer",
		Title:       "A Practical Primer on Variable Fonts",
		Description: "A short, illustrated ebook explaining how variable fonts work and how to use them well on the web and in print.",
		ContentMD: `## What you get

- 58-page illustrated ebook (PDF)
- CSS examples for custom axes

Covers registered and custom axes, performance on the web, and common mistakes like animating weight on body text.`,
		PriceCents: 1500,
		Category:   "ebooks",
		Tags:       []string{"typography", "variable-fonts", "css"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "examples.css.txt", ContentType: "text/plain", Body: "h1 { font-variation-settings: \"wght\" 720, \"wdth\" 90; }\n"},
		},
	},
	{
		Store:       "typeyard",
		Slug:        "kerning-practice-workbook",
		Title:       "Kerning Practice Workbook",
		Description: "Fifty printable exercises to train your eye for letter spacing, with answer keys from a working type designer.",
		ContentMD: `## What you get

- 50 printable exercises (PDF)
- Answer keys with explanations

Spacing is a skill you learn by doing. Work through a few pages a day and you will start seeing rhythm everywhere.`,
		PriceCents: 900,
		Category:   "ebooks",
		Tags:       []string{"kerning", "typography", "workbook"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Print at 100% scale on A4 or US Letter.\n"},
		},
	},
	{
		Store:       "typeyard",
		Slug:        "letterpress-texture-pack",
		Title:       "Letterpress Texture Pack",
		Description: "High-resolution scans of real letterpress prints, ink bleeds and paper grain to give digital type a printed feel.",
		ContentMD: `## What you get

- 40 textures scanned at 1200 dpi
- Photoshop and Procreate brushes
- Transparent PNG overlays

Every texture was printed on our own Adana press and scanned flat, so the ink squeeze is the real thing.`,
		PriceCents: 1900,
		Category:   "design-assets",
		Tags:       []string{"textures", "letterpress", "print"},
		Visibility: "public",
		Files: []demoFile{
			{Name: "README.txt", ContentType: "text/plain", Body: "Set overlays to Multiply blending mode for the most natural result.\n"},
		},
	},
}

var demoBuyers = []struct{ Name, Email string }{
	{Name: "Ana Lindqvist", Email: "ana@claro.test"},
	{Name: "Sam Okafor", Email: "sam@claro.test"},
	{Name: "Lucía Fernández", Email: "lucia@claro.test"},
	{Name: "Ben Whitaker", Email: "ben@claro.test"},
}
