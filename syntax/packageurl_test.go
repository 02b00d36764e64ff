package syntax

import (
	"strings"
	"testing"
)

func TestParsePackageURL(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    PackageURL
		wantErr string
	}{
		{name: "https tar.gz", in: "https://repo.example/a-1.0.tar.gz",
			want: PackageURL{Getter: "https://repo.example/a-1.0.tar.gz", Display: "https://repo.example/a-1.0.tar.gz", Archive: "tar.gz"}},
		{name: "longest suffix wins", in: "http://h/a.tar.bz2",
			want: PackageURL{Getter: "http://h/a.tar.bz2", Display: "http://h/a.tar.bz2", Archive: "tar.bz2"}},
		{name: "ftp with login, password redacted", in: "ftp://u:secret@h/a.zip",
			want: PackageURL{Getter: "ftp://u:secret@h/a.zip", Display: "ftp://u:xxxxx@h/a.zip", Archive: "zip"}},
		{name: "archive parameter", in: "https://h/download?id=3&archive=tgz",
			want: PackageURL{Getter: "https://h/download?id=3&archive=tgz", Display: "https://h/download?id=3&archive=tgz", Archive: "tgz"}},
		{name: "file URL", in: "file:///srv/pkg/a.tar.xz",
			want: PackageURL{Getter: "file:///srv/pkg/a.tar.xz", Display: "/srv/pkg/a.tar.xz", Local: true, LocalPath: "/srv/pkg/a.tar.xz", Archive: "tar.xz"}},
		{name: "absolute path with a space", in: "/srv/my pkg/a.tgz",
			want: PackageURL{Getter: "file:///srv/my%20pkg/a.tgz", Display: "/srv/my pkg/a.tgz", Local: true, LocalPath: "/srv/my pkg/a.tgz", Archive: "tgz"}},
		{name: "scheme case", in: "HTTPS://h/a.tar",
			want: PackageURL{Getter: "https://h/a.tar", Display: "https://h/a.tar", Archive: "tar"}},
		{name: "empty", in: " ", wantErr: "empty URL"},
		{name: "unknown scheme", in: "gopher://h/a.tgz", wantErr: "scheme must be http, https, ftp or file"},
		{name: "s3 is not configured", in: "s3::https://s3.amazonaws.com/b/a.tgz", wantErr: "forced getters are not supported"},
		{name: "git forced getter", in: "git::https://h/r.git", wantErr: "forced getters"},
		{name: "relative path", in: "pkg/a.tgz", wantErr: "scheme must be"},
		{name: "http without host", in: "http:///a.tgz", wantErr: "no host"},
		{name: "file URL with a host", in: "file://other/a.tgz", wantErr: "absolute path"},
		{name: "file URL relative", in: "file:a.tgz", wantErr: "absolute path"},
		{name: "no archive type", in: "https://h/a.bin", wantErr: "cannot tell the archive type"},
		{name: "rpm by suffix", in: "ftp://server:21/BasicAgent/BasicAgent-1.5.6.rpm",
			want: PackageURL{Getter: "ftp://server:21/BasicAgent/BasicAgent-1.5.6.rpm", Display: "ftp://server:21/BasicAgent/BasicAgent-1.5.6.rpm", Archive: "rpm"}},
		{name: "deb by parameter", in: "https://h/get?id=7&archive=deb",
			want: PackageURL{Getter: "https://h/get?id=7&archive=deb", Display: "https://h/get?id=7&archive=deb", Archive: "deb"}},
		{name: "unknown archive parameter", in: "https://h/a?archive=rar", wantErr: `archive type "rar" is not one of`},
		{name: "space in a URL", in: "https://h/a b.tgz", wantErr: "no spaces"},
		{name: "space error hides the password", in: "ftp://u:secret@h/a b.tgz", wantErr: "u:xxxxx@"},
		{name: "control character", in: "https://h/a\x7f.tgz", wantErr: "control characters"},
		{name: "too long", in: "https://h/" + strings.Repeat("a", MaxPackageURL) + ".tgz", wantErr: "bytes long"},
		{name: "bad escape", in: "https://h/%zz.tgz", wantErr: "not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePackageURL(tt.in)
			checkParse(t, got, err, tt.want, tt.wantErr)
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}
