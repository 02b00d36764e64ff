package fetch

import (
	"bufio"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
	rpmutils "github.com/sassoftware/go-rpmutils"
	"github.com/sassoftware/go-rpmutils/cpio"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

// The rpm payload is decompressed here, not by go-rpmutils, so that one
// decoder serves every build: go-rpmutils picks C zstd (DataDog/zstd)
// when cgo is on and klauspost's pure-Go one when it is off, and the race
// tests build with cgo while `make build` builds without. These are the
// pure-Go decoders the rest of fetch uses, whatever CGO_ENABLED says.
var rpmDecompressors = map[string]func(io.Reader) (io.ReadCloser, error){
	"gzip":  func(r io.Reader) (io.ReadCloser, error) { return gzip.NewReader(r) },
	"bzip2": func(r io.Reader) (io.ReadCloser, error) { return io.NopCloser(bzip2.NewReader(r)), nil },
	"xz": func(r io.Reader) (io.ReadCloser, error) {
		x, err := xz.NewReader(r)
		return io.NopCloser(x), err
	},
	"lzma": func(r io.Reader) (io.ReadCloser, error) {
		x, err := lzma.NewReader(r)
		return io.NopCloser(x), err
	},
	"zstd": func(r io.Reader) (io.ReadCloser, error) {
		// One goroutine: a package is read once, front to back.
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	},
	"uncompressed": func(r io.Reader) (io.ReadCloser, error) { return io.NopCloser(r), nil },
}

// rpmCompressor is the payload's compressor from the header; an old rpm
// without the tag is gzip when it starts like gzip, else uncompressed.
func rpmCompressor(hdr *rpmutils.RpmHeader, br *bufio.Reader) (string, error) {
	if hdr.HasTag(rpmutils.PAYLOADFORMAT) {
		if f, err := hdr.GetString(rpmutils.PAYLOADFORMAT); err != nil || f != "cpio" {
			return "", fmt.Errorf("payload format %q is not cpio", f)
		}
	}
	if hdr.HasTag(rpmutils.PAYLOADCOMPRESSOR) {
		return hdr.GetString(rpmutils.PAYLOADCOMPRESSOR)
	}
	if b, _ := br.Peek(2); len(b) == 2 && b[0] == 0x1f && b[1] == 0x8b {
		return "gzip", nil
	}
	return "uncompressed", nil
}

// rpmPayload walks an rpm's cpio payload. It does what go-rpmutils'
// payload reader does, on the stream decompressed above: it matches
// each cpio member to the header's file list (rpm ≥ 4.12 may strip the
// names from the cpio, leaving an index) and knows that of a hard-link
// group only the last member carries the content.
type rpmPayload struct {
	cr     *cpio.Reader
	files  []rpmutils.FileInfo
	byName map[string]int
	empty  []bool // a hard link whose content comes with a later member
	cur    int
}

func newRPMPayload(r io.Reader, files []rpmutils.FileInfo) *rpmPayload {
	p := &rpmPayload{files: files, byName: make(map[string]int, len(files)), empty: make([]bool, len(files))}
	sizes := make([]int64, len(files))
	last := map[[2]int]int{}
	for i, f := range files {
		p.byName[f.Name()] = i
		switch uint32(f.Mode()) &^ 0o7777 {
		case cpio.S_ISREG:
			sizes[i] = f.Size()
			key := [2]int{f.Device(), f.Inode()}
			if j, ok := last[key]; ok && f.Inode() != 0 {
				p.empty[j], sizes[j] = true, 0
			}
			last[key] = i
		case cpio.S_ISLNK:
			sizes[i] = int64(len(f.Linkname()))
		}
	}
	p.cr = cpio.NewReaderWithSizes(r, sizes)
	return p
}

// next returns the next member's file info, or io.EOF after the last.
func (p *rpmPayload) next() (rpmutils.FileInfo, error) {
	h, err := p.cr.Next()
	if errors.Is(err, io.EOF) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%w: rpm payload: %v", ErrBadArchive, err)
	}
	i := h.Index()
	if !h.IsStripped() {
		name := h.Filename()
		if len(name) > 1 && name[0] == '.' && name[1] == '/' {
			name = name[1:]
		}
		var ok bool
		if i, ok = p.byName[name]; !ok {
			// rpm's file list holds cleaned names: say why, when that
			// is what differs.
			if _, err := cleanEntryName(payloadName(name)); err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("%w: rpm payload member %q is not in the header's file list", ErrBadArchive, name)
		}
	}
	if i < 0 || i >= len(p.files) {
		return nil, fmt.Errorf("%w: rpm payload member index %d out of range", ErrBadArchive, i)
	}
	p.cur = i
	return p.files[i], nil
}

func (p *rpmPayload) Read(b []byte) (int, error) { return p.cr.Read(b) }

// isEmptyLink: the current member is a hard link with its content later.
func (p *rpmPayload) isEmptyLink() bool { return p.empty[p.cur] }
