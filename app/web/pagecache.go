package web

import (
	"bytes"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

// PageCache keeps rendered anonymous pages in memory, so a hot storefront or
// product page costs no database round trip and no template execution. Only
// pages a handler marks with Cacheable are kept, only for visitors who are not
// signed in, never with a cookie a handler set. Anonymous pages carry no CSRF
// token (anonymous writes are checked by their origin, see CSRF), so a page
// is the same bytes for every visitor: a hit writes the stored body (or its
// gzip, compressed once when stored) with the stored headers and an ETag
// that is the page's checksum, and allocates nothing. A request carrying the
// read-your-writes mark (db.ReadsPrimary) neither gets nor fills it: its
// writer must see their change, which the cache may not hold yet. Entries are
// dropped per store by the change listener (db.Changes, through OnChange);
// marketplace pages, which show every store, are dropped on any change.
type PageCache struct {
	mu       sync.RWMutex
	pages    map[string]*cachedPage
	byTenant map[int64]map[string]struct{}
	// Each class of page (catalog pages, query pages) has its own share of
	// the budget, so distinct searches, whose addresses never run out,
	// cycle only each other out and never the storefronts' pages.
	classes [2]pageClass
	// rendering holds a channel per key being rendered right now, so a burst
	// of requests for one cold page renders it once (no stampede).
	rendering map[string]chan struct{}

	Hits, Misses atomic.Int64
	// EarlyHits are the hits Early answered (counted in Hits too).
	EarlyHits atomic.Int64
	// Routes, when set, names the route that rendered each page, so a
	// replay is measured as that route (RouteTable.Pattern).
	Routes *RouteTable
}

type cachedPage struct {
	body   []byte // the page as rendered; served as is (never appended to)
	gzOnce sync.Once
	gz     []byte // body in gzip, once the first hit asked for it (see gzipped)
	zip    bool   // body is large enough to compress and carries no encoding of its own
	route  any    // the pattern (a string) of the route that rendered it (RouteTable.Pattern), boxed once here rather than per hit
	ctype  string
	hx     [][2]string // HX-* response headers (htmx's instructions) to replay
	tenant int64
	query  bool   // its address carries free-form input (CacheableQuery)
	sum    uint64 // FNV-1a of body, type and htmx headers
	etag   []byte // its validator (appendETag), made once
}

// pageClass is one share of the cache: its limits and what it holds.
type pageClass struct {
	max, maxBytes int
	bytes         int
	keys          map[string]struct{}
}

func (p *cachedPage) class() int {
	if p.query {
		return 1
	}
	return 0
}

type cacheScopeKey struct{}

// cacheScope is what Cacheable and CacheableQuery record for the middleware.
type cacheScope struct {
	tenant int64
	query  bool
}

// NewPageCache returns a cache of at most max pages holding at most maxBytes
// of them (a count alone let searches fill it with thousands of large
// pages). Query pages get a quarter of both, catalog pages the rest.
func NewPageCache(max, maxBytes int) *PageCache {
	pc := &PageCache{pages: map[string]*cachedPage{}, byTenant: map[int64]map[string]struct{}{},
		rendering: map[string]chan struct{}{}}
	pc.classes[1] = pageClass{max: max / 4, maxBytes: maxBytes / 4, keys: map[string]struct{}{}}
	pc.classes[0] = pageClass{max: max - max/4, maxBytes: maxBytes - maxBytes/4, keys: map[string]struct{}{}}
	return pc
}

// size is what an entry keeps in memory, near enough: its key, its body
// and (counted from the start, compressed or not yet) a quarter of it for
// the gzip, about what HTML compresses to.
func (p *cachedPage) size(key string) int {
	return len(key) + 128 + len(p.body) + len(p.body)/4
}

// gzipped is the page in gzip, nil for a page too small to compress (or
// encoded by its handler already). It is
// compressed once, at the first hit that takes gzip, then shared by every
// such hit: not at fill time, because most pages a query nobody repeats
// fills are never asked for again, and best-compression gzip of a search
// page cost a cold search a large share of its time.
func (p *cachedPage) gzipped() []byte {
	if !p.zip {
		return nil
	}
	p.gzOnce.Do(func() { p.gz = Gzip(p.body) })
	return p.gz
}

// sendsGzip reports whether a hit sends the stored gzip to a browser
// taking acceptEncoding: when the page is compressed at all and gzip is
// acceptable (preferred or not: Compress leaves an encoded body alone).
func (p *cachedPage) sendsGzip(acceptEncoding string) bool {
	return p.zip && AcceptsGzip(acceptEncoding)
}

// Cacheable marks the response as the same for every anonymous visitor; it
// depends on store tenantID's data (0: on every store's, as marketplace pages do).
func Cacheable(c *fiber.Ctx, tenantID int64) { c.Locals(cacheScopeKey{}, cacheScope{tenant: tenantID}) }

// CacheableQuery is Cacheable for a page whose address carries free-form
// input, such as a search: such pages are kept in their own, smaller share
// of the cache.
func CacheableQuery(c *fiber.Ctx, tenantID int64) {
	c.Locals(cacheScopeKey{}, cacheScope{tenant: tenantID, query: true})
}

// appendCacheKey appends the page's key: host, whether htmx asked, address.
func appendCacheKey(dst []byte, c *fiber.Ctx) []byte {
	return appendKey(dst, c, Site(c).Host)
}

// appendKey is appendCacheKey for the site host (its normal form).
func appendKey(dst []byte, c *fiber.Ctx, host string) []byte {
	dst = append(dst, host...)
	if IsHTMX(c) {
		dst = append(dst, "\x001\x00"...)
	} else {
		dst = append(dst, "\x000\x00"...)
	}
	return append(dst, c.Request().URI().RequestURI()...)
}

// Middleware serves and fills the cache. It runs after the session
// middleware: it needs to know who is signed in.
func (pc *PageCache) Middleware(c *fiber.Ctx) error {
	if c.Method() != fiber.MethodGet || CurrentUser(c) != nil || db.ReadsPrimary(c.UserContext()) ||
		len(c.Request().Header.Peek(fiber.HeaderAuthorization)) > 0 { // an API client's answer is its token's alone
		return c.Next()
	}
	var kb [256]byte // the key on the stack: a hit converts it for the map look-up only
	p, key, leader := pc.lookup(c, appendCacheKey(kb[:0], c))
	if leader {
		defer pc.done(key)
	}
	if p != nil {
		pc.serve(c, p, p.sendsGzip(c.Get(fiber.HeaderAcceptEncoding)))
		return nil
	}
	pc.Misses.Add(1)
	if err := c.Next(); err != nil {
		return err
	}
	scope, ok := c.Locals(cacheScopeKey{}).(cacheScope)
	resp := c.Response()
	if !ok || resp.StatusCode() != fiber.StatusOK || handlerSetCookie(c) {
		return nil
	}
	body := append([]byte(nil), resp.Body()...)
	var hx [][2]string
	resp.Header.VisitAll(func(k, v []byte) {
		if len(k) > 3 && bytes.EqualFold(k[:3], []byte("HX-")) {
			hx = append(hx, [2]string{string(k), string(v)})
		}
	})
	page := &cachedPage{body: body, ctype: string(resp.Header.ContentType()), hx: hx,
		tenant: scope.tenant, query: scope.query, route: any(pc.Routes.Pattern(c))}
	page.zip = len(body) >= MinCompress && len(resp.Header.ContentEncoding()) == 0
	page.sum = page.checksum()
	page.etag = appendETag(nil, page.sum)
	pc.put(key, page)
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	notModified(c, page.etag) // a page rendered again after a change that left it alike is still the browser's copy
	return nil
}

// serve answers with the cached page p: its stored bytes (its gzip when gz)
// and headers, or 304 when the browser holds them already. The bytes are
// shared by every hit (SetBodyRaw copies nothing; nothing below appends to
// a body it did not render), the gzip compressed by the first such hit
// only, and Compress leaves an encoded body alone.
func (pc *PageCache) serve(c *fiber.Ctx, p *cachedPage, gz bool) {
	pc.Hits.Add(1)
	markHit(c)
	if pc.Routes != nil {
		c.Locals(routePatternKey{}, p.route)
	}
	h := &c.Response().Header
	h.SetCanonical(headerVary, hitVary)
	h.SetCanonical(headerCacheControl, hitCacheControl)
	for _, kv := range p.hx {
		h.Set(kv[0], kv[1])
	}
	if notModified(c, p.etag) {
		return
	}
	h.SetContentType(p.ctype)
	if gz {
		h.SetCanonical(headerContentEncoding, gzipValue)
		c.Response().SetBodyRaw(p.gzipped())
		return
	}
	c.Response().SetBodyRaw(p.body)
}

// The headers every hit sets, as fasthttp's SetCanonical takes them (names
// already in canonical form: no normalising copy per hit).
var (
	headerVary            = []byte(fiber.HeaderVary)
	headerCacheControl    = []byte(fiber.HeaderCacheControl)
	headerContentEncoding = []byte(fiber.HeaderContentEncoding)
	headerETag            = []byte("Etag") // fiber.HeaderETag in fasthttp's canonical form
	hitVary               = []byte("HX-Request, Accept-Encoding")
	hitCacheControl       = []byte("private, no-cache")
	gzipValue             = []byte(EncodingGzip)
)

// Early is the cache's fast path, installed right after the security
// headers and before everything else below them: a GET that the cache can
// answer at once, from a visitor who is certainly anonymous, is answered
// here, skipping the middleware a cached page never needs (the query check,
// the deadline, the replica's catch-up, the host's database lookup, the
// session, the body caps, CSRF and compression). Anything else passes on to
// the whole chain and to Middleware, which answers it as before, so Early
// changes which requests take the short way, never what they are sent.
//
// A request goes the short way only when all of this holds:
//   - GET, with no Authorization and no body;
//   - none of the cookies named in skip (the session cookies, which
//     Middleware would look up to tell who is signed in, and the
//     read-your-writes mark, which sends its reads to the primary);
//   - its host is one peek answers from memory (the marketplace, or a
//     store whose lookup is cached);
//   - its page is cached now (no wait for another request rendering it);
//   - the stored bytes suit the browser: its gzip when it takes gzip, or the
//     page as it is when it is not compressed or the browser takes neither
//     gzip nor brotli (brotli is Compress's, on the way through).
//
// A cached key was filled by a request with the same host, htmx flag and
// address (RequestURI) that passed the whole chain, CleanQuery included, so
// serving it here skips no check that could refuse it.
func (pc *PageCache) Early(peek func(rawHost string) (tenants.Site, bool), skip ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		req := &c.Request().Header
		// A body is a Content-Length above 0 or a chunked one (-1: BodyCaps'
		// 411); -2 is fasthttp's "neither header", no body for a request.
		if n := req.ContentLength(); !req.IsGet() || n > 0 || n == -1 || len(req.Peek(fiber.HeaderAuthorization)) > 0 {
			return c.Next()
		}
		if len(req.Peek(fiber.HeaderCookie)) > 0 {
			for _, name := range skip {
				if len(req.Cookie(name)) > 0 {
					return c.Next()
				}
			}
		}
		site, ok := peek(RequestHost(c)) // what Tenant resolves
		if !ok {
			return c.Next()
		}
		var kb [256]byte
		k := appendKey(kb[:0], c, site.Host)
		pc.mu.RLock()
		p := pc.pages[string(k)]
		pc.mu.RUnlock()
		if p == nil {
			return c.Next()
		}
		accept := c.Get(fiber.HeaderAcceptEncoding)
		gz := p.sendsGzip(accept)
		if p.zip && !gz && PickEncoding(accept, EncodingBrotli) == EncodingBrotli {
			return c.Next() // brotli only: Compress encodes the page on the whole way
		}
		pc.EarlyHits.Add(1)
		pc.serve(c, p, gz)
		return nil
	}
}

// checksum is the FNV-1a hash of what every visitor is sent alike.
func (p *cachedPage) checksum() uint64 {
	h := fnv.New64a()
	h.Write(p.body)
	h.Write([]byte{0})
	h.Write([]byte(p.ctype))
	for _, kv := range p.hx {
		h.Write([]byte{0})
		h.Write([]byte(kv[0]))
		h.Write([]byte{0})
		h.Write([]byte(kv[1]))
	}
	return h.Sum64()
}

// appendETag appends a cached page's validator: its checksum, the same for
// every visitor, as the page is. It is weak (W/): the gzip and identity
// answers share it, and If-None-Match compares weakly anyway (RFC 9110,
// 13.1.2).
func appendETag(dst []byte, sum uint64) []byte {
	dst = append(dst, `W/"`...)
	dst = strconv.AppendUint(dst, sum, 36)
	return append(dst, '"')
}

// notModified sets the page's ETag and, when the request's If-None-Match
// names it (or is *), answers 304 with no body and reports true.
func notModified(c *fiber.Ctx, etag []byte) bool {
	c.Response().Header.SetCanonical(headerETag, etag)
	inm := c.Request().Header.Peek(fiber.HeaderIfNoneMatch)
	if len(inm) == 0 || !etagListHas(utils.UnsafeString(inm), utils.UnsafeString(etag)) {
		return false
	}
	c.Status(fiber.StatusNotModified)
	c.Response().ResetBody()
	return true
}

// etagListHas reports whether an If-None-Match value (a comma-separated
// list, or *) matches etag under weak comparison: W/ prefixes are ignored.
func etagListHas(list, etag string) bool {
	etag = strings.TrimPrefix(etag, "W/")
	for item := range strings.SplitSeq(list, ",") {
		item = strings.TrimSpace(item)
		if item == "*" || strings.TrimPrefix(item, "W/") == etag {
			return true
		}
	}
	return false
}

// handlerSetCookie reports whether the response sets any cookie: such a
// response is that visitor's alone.
func handlerSetCookie(c *fiber.Ctx) bool {
	set := false
	c.Response().Header.VisitAllCookie(func(_, _ []byte) { set = true })
	return set
}

// maxWait bounds how long a request waits for another to render its page.
const maxWait = 2 * time.Second

// lookup returns the cached page, waiting (bounded) when another request is
// rendering it. leader is true when this request must render the page and
// call done(key) afterwards.
// A hit takes the read lock only and converts k to a string for the map
// look-up alone (which the compiler does without allocating); key is k as a
// string on a miss.
func (pc *PageCache) lookup(c *fiber.Ctx, k []byte) (p *cachedPage, key string, leader bool) {
	pc.mu.RLock()
	p = pc.pages[string(k)]
	pc.mu.RUnlock()
	if p != nil {
		return p, "", false
	}
	key = string(k)
	pc.mu.Lock()
	if p = pc.pages[key]; p != nil {
		pc.mu.Unlock()
		return p, key, false
	}
	wait, busy := pc.rendering[key]
	if !busy {
		pc.rendering[key] = make(chan struct{})
		pc.mu.Unlock()
		return nil, key, true
	}
	pc.mu.Unlock()
	select {
	case <-wait:
	case <-time.After(maxWait):
	case <-c.UserContext().Done():
	}
	pc.mu.RLock()
	p = pc.pages[key]
	pc.mu.RUnlock()
	return p, key, false
}

func (pc *PageCache) done(key string) {
	pc.mu.Lock()
	if ch, ok := pc.rendering[key]; ok {
		close(ch)
		delete(pc.rendering, key)
	}
	pc.mu.Unlock()
}

func (pc *PageCache) put(key string, p *cachedPage) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.remove(key)
	cl := &pc.classes[p.class()]
	size := p.size(key)
	if size > cl.maxBytes {
		return
	}
	if len(cl.keys) >= cl.max || cl.bytes+size > cl.maxBytes {
		for k := range cl.keys { // full: this class starts over
			pc.remove(k)
		}
	}
	pc.pages[key] = p
	cl.keys[key] = struct{}{}
	cl.bytes += size
	keys := pc.byTenant[p.tenant]
	if keys == nil {
		keys = map[string]struct{}{}
		pc.byTenant[p.tenant] = keys
	}
	keys[key] = struct{}{}
}

// remove drops one page and its bookkeeping; pc.mu is held.
func (pc *PageCache) remove(key string) {
	p, ok := pc.pages[key]
	if !ok {
		return
	}
	delete(pc.pages, key)
	cl := &pc.classes[p.class()]
	delete(cl.keys, key)
	cl.bytes -= p.size(key)
	if keys := pc.byTenant[p.tenant]; keys != nil {
		delete(keys, key)
		if len(keys) == 0 {
			delete(pc.byTenant, p.tenant)
		}
	}
}

// InvalidateTenant drops the pages of store id and every marketplace page.
func (pc *PageCache) InvalidateTenant(id int64) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	for _, t := range []int64{id, 0} {
		for k := range pc.byTenant[t] {
			pc.remove(k)
		}
	}
}

// InvalidateAll drops every page.
func (pc *PageCache) InvalidateAll() {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	for k := range pc.pages {
		pc.remove(k)
	}
}

// OnChange applies one change the listener heard (db.Changes.OnChange): the
// store tenantID changed, or any store may have (0).
func (pc *PageCache) OnChange(tenantID int64) {
	if tenantID == 0 {
		pc.InvalidateAll()
		return
	}
	pc.InvalidateTenant(tenantID)
}

// OnCounters applies a change to store tenantID's product counters alone
// (db.Changes.OnCounters: a sale folded in by the sales ledger): only the
// marketplace pages, which rank every store's products by sales and
// trending, are dropped. The store's own pages list newest first and show
// no counter, so a sale keeps them.
func (pc *PageCache) OnCounters(int64) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	for k := range pc.byTenant[0] {
		pc.remove(k)
	}
}

// Bytes is what the cached pages hold, as their sizes count it.
func (pc *PageCache) Bytes() int {
	pc.mu.RLock()
	defer pc.mu.RUnlock()
	return pc.classes[0].bytes + pc.classes[1].bytes
}

// Len is the number of cached pages.
func (pc *PageCache) Len() int {
	pc.mu.RLock()
	defer pc.mu.RUnlock()
	return len(pc.pages)
}
