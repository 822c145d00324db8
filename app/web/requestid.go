package web

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync/atomic"
)

var (
	idSeed    [16]byte
	idCounter atomic.Uint64
)

func init() {
	if _, err := rand.Read(idSeed[:]); err != nil {
		panic("web: no randomness for request ids: " + err.Error())
	}
	idCounter.Store(binary.LittleEndian.Uint64(idSeed[:8]))
}

// newID writes a fresh request id into b (RequestRecord): Fiber's
// utils.UUID, without the string it allocates.
func newID(b *[36]byte) {
	u := idSeed
	binary.LittleEndian.PutUint64(u[:8], idCounter.Add(1))
	u[6], u[9] = u[9], u[6]
	u[6] = (u[6] & 0x0f) | 0x40 // RFC 4122 version 4
	u[8] = u[8]&0x3f | 0x80
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
}
