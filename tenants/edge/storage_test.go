package edge

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"
)

func newTestStorage(t *testing.T) *Storage {
	t.Helper()
	return NewStorage(testDB.Primary.DB)
}

// secondPool is another *sql.DB on the same database: another machine.
func secondPool(t *testing.T) *sql.DB {
	t.Helper()
	pool, err := sql.Open("pgx", testDB.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	return pool
}

// The cases of oyato/certmagic-storage-tests' suite.
func TestStorageLockerContract(t *testing.T) {
	s, ctx := newTestStorage(t), context.Background()
	if err := s.Unlock(ctx, "never-locked"); err == nil {
		t.Fatal("unlocking an unlocked name succeeded")
	}
	if err := s.Lock(ctx, "contract"); err != nil {
		t.Fatal(err)
	}
	if err := s.Unlock(ctx, "contract"); err != nil {
		t.Fatal(err)
	}
	// Two goroutines per name, five names, five lock/unlock rounds each: the
	// lock is exclusive, so the counter under it is never seen by two at once.
	var wg sync.WaitGroup
	var mu sync.Mutex
	inside := map[string]int{}
	for i := range 5 {
		name := fmt.Sprintf("contended-%d", i)
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 5 {
					if err := s.Lock(ctx, name); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					inside[name]++
					n := inside[name]
					mu.Unlock()
					if n != 1 {
						t.Errorf("%d holders of %s at once", n, name)
					}
					mu.Lock()
					inside[name]--
					mu.Unlock()
					if err := s.Unlock(ctx, name); err != nil {
						t.Error(err)
					}
				}
			}()
		}
	}
	wg.Wait()
}

func TestTryLockNeverWaitsAndExcludesLock(t *testing.T) {
	s, other, ctx := newTestStorage(t), NewStorage(secondPool(t)), context.Background()
	name := uniq("trylock")
	if ok, err := s.TryLock(ctx, name); err != nil || !ok {
		t.Fatalf("free lock: %v %v", ok, err)
	}
	// Another machine neither gets it nor waits for it.
	if ok, err := other.TryLock(ctx, name); err != nil || ok {
		t.Fatalf("held lock taken again: %v %v", ok, err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if err := other.Lock(waitCtx, name); err == nil {
		t.Fatal("Lock took a lock TryLock holds")
	}
	if err := s.Unlock(ctx, name); err != nil {
		t.Fatal(err)
	}
	if ok, err := other.TryLock(ctx, name); err != nil || !ok {
		t.Fatalf("released lock: %v %v", ok, err)
	}
	if err := other.Unlock(ctx, name); err != nil {
		t.Fatal(err)
	}
}

func TestStorageSingleKey(t *testing.T) {
	s, ctx := newTestStorage(t), context.Background()
	key := "single/key"
	if s.Exists(ctx, key) {
		t.Fatal("unstored key exists")
	}
	if _, err := s.Load(ctx, key); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load missing: %v", err)
	}
	if _, err := s.Stat(ctx, key); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Stat missing: %v", err)
	}
	if err := s.Store(ctx, "", []byte{}); err == nil {
		t.Fatal("empty key stored")
	}
	for _, v := range [][]byte{nil, {}, []byte("value")} {
		if err := s.Store(ctx, key, v); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.Load(ctx, key); err != nil || string(got) != "value" {
		t.Fatalf("Load = %q, %v", got, err)
	}
	if info, err := s.Stat(ctx, key); err != nil || !info.IsTerminal || info.Size != 5 || info.Key != key || info.Modified.IsZero() {
		t.Fatalf("Stat = %+v, %v", info, err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if s.Exists(ctx, key) {
		t.Fatal("deleted key exists")
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatalf("deleting a missing key: %v", err)
	}
}

func TestStorageDirectories(t *testing.T) {
	s, ctx := newTestStorage(t), context.Background()
	dir := "dirs"
	k1, k2, k3 := dir+"/k1", dir+"/k/a/b", dir+"/k/c"
	if _, err := s.List(ctx, k1, true); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("List of nothing: %v", err)
	}
	for _, k := range []string{k1, k2, k3, "dirs0", "dirs_x/y", "dirsk"} {
		if err := s.Store(ctx, k, []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	if info, err := s.Stat(ctx, dir); err != nil || info.IsTerminal || info.Key != dir {
		t.Fatalf("Stat(dir) = %+v, %v", info, err)
	}
	ls, err := s.List(ctx, dir, false)
	if want := []string{dir + "/k", k1}; err != nil || !slices.Equal(ls, want) {
		t.Fatalf("List(dir, false) = %v, %v; want %v", ls, err, want)
	}
	ls, err = s.List(ctx, dir, true)
	if want := []string{dir + "/k", dir + "/k/a", k2, k3, k1}; err != nil || !slices.Equal(ls, want) {
		t.Fatalf("List(dir, true) = %v, %v; want %v", ls, err, want)
	}
	// Keys with LIKE wildcards or the directory name as a prefix are not "under" it.
	if err := s.Store(ctx, "100%_dir/x", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if ls, err := s.List(ctx, "100%_dir", true); err != nil || !slices.Equal(ls, []string{"100%_dir/x"}) {
		t.Fatalf("List with wildcards = %v, %v", ls, err)
	}
	if err := s.Delete(ctx, dir+"/k"); err != nil {
		t.Fatal(err)
	}
	if s.Exists(ctx, k2) || s.Exists(ctx, k3) || !s.Exists(ctx, k1) || !s.Exists(ctx, "dirsk") {
		t.Fatal("Delete of a directory removed the wrong keys")
	}
}

// CertMagic's TestFileStorageWriteLock.
func TestStorageWriteLockWithCancelledContext(t *testing.T) {
	s := newTestStorage(t)
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Lock(cctx, "write"); err != nil {
		t.Fatalf("free lock with a cancelled context: %v", err)
	}
	if err := s.Lock(cctx, "write"); err == nil {
		t.Fatal("taken lock acquired with a cancelled context")
	}
	if err := s.Unlock(cctx, "write"); err != nil {
		t.Fatal(err)
	}
	if err := s.Lock(cctx, "write"); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	if err := s.Unlock(cctx, "write"); err != nil {
		t.Fatal(err)
	}
}

// CertMagic's TestFileStorageStoreLoadRace: a 4 MiB value is never torn.
func TestStorageStoreLoadRace(t *testing.T) {
	s, ctx := newTestStorage(t), context.Background()
	a, b := bytes.Repeat([]byte("a"), 4<<20), bytes.Repeat([]byte("b"), 4<<20)
	if err := s.Store(ctx, "race", a); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- s.Store(ctx, "race", b) }()
	got, err := s.Load(ctx, "race")
	if serr := <-done; serr != nil {
		t.Fatal(serr)
	}
	if err != nil || len(got) != 4<<20 || !(bytes.Equal(got, a) || bytes.Equal(got, b)) {
		t.Fatalf("loaded %d bytes, torn or failed: %v", len(got), err)
	}
}

func TestStorageTwoPoolsContendForOneLock(t *testing.T) {
	a, b := newTestStorage(t), NewStorage(secondPool(t))
	ctx := context.Background()
	if err := a.Lock(ctx, "shared"); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if err := b.Lock(short, "shared"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("B took A's lock: %v", err)
	}
	// B waits for the lock, but not forever: a lock never handed over fails
	// the test with DeadlineExceeded instead of hanging it.
	waitB, cancelB := context.WithTimeout(ctx, 30*time.Second)
	defer cancelB()
	got := make(chan error, 1)
	go func() { got <- b.Lock(waitB, "shared") }()
	if err := a.Unlock(ctx, "shared"); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("B after A unlocked: %v", err)
	}
	if err := b.Unlock(ctx, "shared"); err != nil {
		t.Fatal(err)
	}
}

func TestStorageLockOfACrashedHolderIsReleased(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holderEnv+"="+testDB.URL, holderEnv+"_NAME=crash")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "locked\n" {
		t.Fatalf("holder said %q", line)
	}
	s, ctx := newTestStorage(t), context.Background()
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if err := s.Lock(short, "crash"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("lock held by a live process was taken: %v", err)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no cleanup runs in the holder
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if err := s.Lock(ctx, "crash"); err != nil {
		t.Fatalf("crashed holder's lock: %v", err)
	}
	if err := s.Unlock(ctx, "crash"); err != nil {
		t.Fatal(err)
	}
}
