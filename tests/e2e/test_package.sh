#!/bin/sh
# test_package.sh: build the Debian package and the RPM from the `make dist`
# tarball (make deb, make rpm) and check what they contain; lintian must
# report nothing that packaging/debian/kafscale.lintian-overrides does not
# explain, nor rpmlint (when installed) beyond packaging/rpm/kafscale.rpmlintrc.  Slow, so only with KS_TEST_PACKAGING=1; skipped (77) otherwise
# and when dpkg-buildpackage, lintian or rpmbuild are missing.
set -u
[ "${KS_TEST_PACKAGING:-0}" = 1 ] || { echo "SKIP: set KS_TEST_PACKAGING=1 to build the packages"; exit 77; }
for t in dpkg-buildpackage dh lintian rpmbuild; do
    command -v "$t" > /dev/null 2>&1 || { echo "SKIP: $t not installed"; exit 77; }
done
builddir=${KS_BUILDDIR:?}
log=$(mktemp "${TMPDIR:-/tmp}/ks-test-package.XXXXXX") || exit 99
trap 'rm -f "$log" "$log.list"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# --- Debian
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$builddir" deb > "$log" 2>&1; then
    tail -40 "$log"
    echo "FAIL: make deb"
    exit 1
fi
deb=$(ls "$builddir"/pkgbuild/deb/kafscale_*.deb | head -1)
dpkg-deb -c "$deb" | awk '{ print $1, $2, $6 }' > "$log.list"
for p in ./usr/sbin/kafscaled ./usr/bin/kafscalectl ./etc/kafscale/kafscale.conf \
         ./etc/init.d/kafscale ./lib/systemd/system/kafscale.service ./etc/logrotate.d/kafscale \
         ./etc/rsyslog.d/49-kafscale.conf ./usr/share/man/man8/kafscaled.8.gz \
         ./usr/share/man/man5/kafscale.conf.5.gz ./usr/share/man/man1/kafscalectl.1.gz \
         ./var/log/kafscale/; do
    grep -q " $p\$" "$log.list" || bad "$deb has no $p"
done
grep -q '^-rwxr-xr-x root/root ./etc/init.d/kafscale$' "$log.list" || bad "/etc/init.d/kafscale is not an executable file of root"
dpkg-deb -I "$deb" conffiles | grep -qx /etc/kafscale/kafscale.conf || bad "/etc/kafscale/kafscale.conf is not a conffile"
# the service runs as kafscale; the configuration is 0640 root:kafscale
dpkg-deb -I "$deb" postinst | grep -q 'chown root:kafscale /etc/kafscale/kafscale.conf' &&
    dpkg-deb -I "$deb" postinst | grep -q 'chmod 0640 /etc/kafscale/kafscale.conf' ||
    bad "the postinst does not make kafscale.conf 0640 root:kafscale"
dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./lib/systemd/system/kafscale.service ./usr/lib/systemd/system/kafscale.service 2> /dev/null |
    grep -qx 'User=kafscale' || bad "the systemd unit does not run the service as kafscale"
dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./etc/init.d/kafscale | grep -qx 'DAEMON_USER=kafscale' ||
    bad "the init script does not run the service as kafscale"
for s in postinst prerm postrm; do
    dpkg-deb -I "$deb" "$s" > /dev/null 2>&1 || bad "$deb has no $s"
done
dpkg-deb -I "$deb" postinst | grep -q 'adduser --system' || bad "postinst does not create the kafscale user"
# The packaged default configuration is the one the package expects.
dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./etc/kafscale/kafscale.conf | grep -qx '#data.dir = /var/lib/kafscale' \
    || bad "the packaged kafscale.conf does not show data.dir = /var/lib/kafscale"
lintian --fail-on error,warning "$deb" > "$log" 2>&1 \
    || { sed 's/^/    /' "$log"; bad "lintian $deb"; }

# --- RPM
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$builddir" rpm > "$log" 2>&1; then
    tail -40 "$log"
    echo "FAIL: make rpm"
    exit 1
fi
rpmf=$(ls "$builddir"/pkgbuild/rpm/RPMS/*/kafscale-[0-9]*.rpm | head -1)
rpm -qlp "$rpmf" > "$log.list" 2> /dev/null
for p in /usr/sbin/kafscaled /usr/bin/kafscalectl /etc/kafscale/kafscale.conf \
         /usr/lib/systemd/system/kafscale.service /etc/logrotate.d/kafscale /var/lib/kafscale; do
    grep -qx "$p" "$log.list" || bad "$rpmf has no $p"
done
rpm -qcp "$rpmf" 2> /dev/null | grep -qx /etc/kafscale/kafscale.conf || bad "kafscale.conf is not %config in the rpm"
rpm -qlvp "$rpmf" 2> /dev/null | grep -Eq '^-rw-r----- +[0-9]* *root +kafscale .* /etc/kafscale/kafscale.conf$' ||
    bad "kafscale.conf is not 0640 root:kafscale in the rpm"
rpm -qp --scripts "$rpmf" 2> /dev/null | grep -q useradd || bad "the rpm does not create the kafscale user"
if command -v rpmlint > /dev/null 2>&1; then
    srpm=$(ls "$builddir"/pkgbuild/rpm/SRPMS/kafscale-*.src.rpm | head -1)
    rpmlint -r "${KS_SRCDIR:?}/packaging/rpm/kafscale.rpmlintrc" "$rpmf" "$srpm" > "$log" 2>&1
    grep -q ' 0 errors, 0 warnings' "$log" || { sed 's/^/    /' "$log"; bad "rpmlint $rpmf"; }
else
    echo "note: rpmlint not installed, the rpm is not linted"
fi

[ $fail -eq 0 ] || exit 1
echo "ok: $deb, $rpmf"
exit 0
