#!/bin/sh
# ci-package.sh: the package checks of .ci/run (issue 6).  Builds the Debian
# package and the RPM from the `make dist` tarball (tests/e2e/test_package.sh
# with KS_TEST_PACKAGING=1: contents, conffile, lintian, rpmlint), then
# installs the .deb on this machine, runs the service with the LSB init
# script on 127.0.0.1:9092, produces and consumes with kcat, checks
# `kafscalectl status` and `kafscalectl groups describe`, upgrades it (the
# edited conffile kept, the service restarted, the data there), reloads, stops,
# removes and purges it, and checks that no process is left.
# Runs as root on a throwaway CI machine.  The last line is
# "package: N passed, M failed".
set -u
cd "$(dirname "$0")/.."
P=0 F=0
ok() { echo "package: ok: $*"; P=$((P + 1)); }
bad() { echo "package: FAIL: $*"; F=$((F + 1)); }
finish() { echo "package: $P passed, $F failed"; exit $([ $F = 0 ] && echo 0 || echo 1); }

if [ "$(id -u)" != 0 ]; then
    echo "package: SKIP: needs root (installs a package)"
    echo "package: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
need=""
for p in dpkg-dev debhelper lintian rpm fakeroot; do
    dpkg -s "$p" > /dev/null 2>&1 || need="$need $p"
done
# shellcheck disable=SC2086
[ -z "$need" ] || apt-get install -y -q --no-install-recommends $need > /dev/null || { bad "apt-get install$need"; finish; }

# --- build and inspect both packages ---
if KS_TEST_PACKAGING=1 make check TESTS=tests/e2e/test_package.sh VERBOSE=1 > /tmp/ks-ci-package.log 2>&1; then
    ok "deb and rpm built from the dist tarball, contents and lint checked"
else
    tail -40 /tmp/ks-ci-package.log
    bad "building the packages (tests/e2e/test_package.sh)"
    finish
fi
deb=$(ls pkgbuild/deb/kafscale_*.deb 2> /dev/null | head -1)
[ -n "$deb" ] || { bad "no .deb built"; finish; }

# --- install and run the service ---
# This machine (a container) has no runlevel and a policy-rc.d that denies
# every action, so invoke-rc.d does nothing here.  The upgrade and the removal
# below run the package's maintainer scripts with a stand-in first on PATH
# that does what invoke-rc.d does on a booted system: log the request and
# run the init script with it.
shim=$(mktemp -d /tmp/ks-ci-shim.XXXXXX)
trap 'rm -rf "$shim"' EXIT
printf '%s\n' '#!/bin/sh' 'echo "invoke-rc.d $*" >> /tmp/ks-ci-invoke.log' \
    '[ "$1" = --skip-systemd-native ] && shift' 'exec /etc/init.d/"$1" "$2"' > "$shim/invoke-rc.d"
chmod 0755 "$shim/invoke-rc.d"
rm -f /tmp/ks-ci-invoke.log
if ss -ltn 2> /dev/null | grep -q ':9092 '; then
    bad "port 9092 is in use on this machine; not installing"
    finish
fi
if dpkg -i "$deb" > /tmp/ks-ci-dpkg.log 2>&1; then ok "dpkg -i $(basename "$deb")"; else cat /tmp/ks-ci-dpkg.log; bad "dpkg -i"; finish; fi
id kafscale > /dev/null 2>&1 && ok "the kafscale user exists" || bad "no kafscale user"
# loopback only on this machine, and the ops endpoint kafscalectl talks to
printf 'DAEMON_OPTS="-o listeners=PLAINTEXT://127.0.0.1:9092 -o ops.listen=127.0.0.1:9093"\n' > /etc/default/kafscale
[ "$(stat -c %U /var/lib/kafscale 2> /dev/null)" = kafscale ] && ok "/var/lib/kafscale belongs to kafscale" ||
    bad "/var/lib/kafscale is not owned by kafscale"
/etc/init.d/kafscale start > /tmp/ks-ci-init.log 2>&1 && ok "init script start" || { cat /tmp/ks-ci-init.log; bad "init script start"; }
up=0
for _ in $(seq 1 100); do
    kcat -L -b 127.0.0.1:9092 -m 2 > /dev/null 2>&1 && { up=1; break; }
    sleep 0.1
done
[ $up = 1 ] && ok "the service answers on 127.0.0.1:9092" || bad "the service does not answer on 9092"
/etc/init.d/kafscale status > /dev/null 2>&1 && ok "init script status" || bad "init script status"
user=$(ps -o user= -C kafscaled 2> /dev/null | sort -u | tr '\n' ' ')
[ "$user" = "kafscale " ] && ok "every kafscaled process runs as kafscale" || bad "kafscaled processes run as: $user"

seq 1 500 | kcat -P -b 127.0.0.1:9092 -t pkgtest -X acks=all 2> /dev/null
n=$(timeout 20 kcat -C -b 127.0.0.1:9092 -t pkgtest -o beginning -e -q 2> /dev/null | wc -l)
[ "$n" = 500 ] && ok "kcat produced and consumed 500 messages" || bad "kcat consumed $n of 500"
timeout 20 kcat -G pkggroup -b 127.0.0.1:9092 -o beginning -e -q pkgtest > /dev/null 2>&1
st=$(kafscalectl status 2>&1)
echo "$st" | grep -q 'pkgtest\|topics' && ok "kafscalectl status answers" || { echo "$st"; bad "kafscalectl status"; }
gd=$(kafscalectl groups describe pkggroup 2>&1)
echo "$gd" | grep -q 'pkgtest' && echo "$gd" | grep -Eq '(^|[^0-9])500([^0-9]|$)' &&
    ok "kafscalectl groups describe shows the group's committed offsets" ||
    { echo "$gd"; bad "kafscalectl groups describe pkggroup"; }

# --- upgrade: installing the package again keeps a changed conffile and
# restarts the service (a new master), which serves what was committed ---
echo "# edited by ci-package.sh" >> /etc/kafscale/kafscale.conf
pid1=$(cat /run/kafscale/kafscaled.pid 2> /dev/null)
if PATH=$shim:$PATH dpkg --force-confold -i "$deb" > /tmp/ks-ci-dpkg.log 2>&1; then ok "upgrade (dpkg -i again)"; else cat /tmp/ks-ci-dpkg.log; bad "upgrade"; fi
grep -q 'invoke-rc.d .*kafscale restart' /tmp/ks-ci-invoke.log 2> /dev/null && ok "the upgrade asked for a restart" ||
    bad "the upgrade did not ask invoke-rc.d for a restart"
grep -q '^# edited by ci-package.sh' /etc/kafscale/kafscale.conf && ok "upgrade kept the edited kafscale.conf" ||
    bad "upgrade replaced the edited kafscale.conf"
up=0
for _ in $(seq 1 100); do
    kcat -L -b 127.0.0.1:9092 -m 2 > /dev/null 2>&1 && { up=1; break; }
    sleep 0.1
done
pid2=$(cat /run/kafscale/kafscaled.pid 2> /dev/null)
[ $up = 1 ] && [ -n "$pid1" ] && [ -n "$pid2" ] && [ "$pid1" != "$pid2" ] &&
    ok "upgrade restarted the service (master $pid1 -> $pid2)" || bad "upgrade did not restart the service ($pid1 -> $pid2, up $up)"
n=$(timeout 20 kcat -C -b 127.0.0.1:9092 -t pkgtest -o beginning -e -q 2> /dev/null | wc -l)
[ "$n" = 500 ] && ok "all 500 messages there after the upgrade" || bad "consumed $n of 500 after the upgrade"

/etc/init.d/kafscale reload > /dev/null 2>&1 && ok "init script reload" || bad "init script reload"
sleep 0.5
kcat -L -b 127.0.0.1:9092 -m 2 > /dev/null 2>&1 && ok "serving after reload" || bad "not serving after reload"
/etc/init.d/kafscale stop > /dev/null 2>&1 && ok "init script stop" || bad "init script stop"
left=$(ps -C kafscaled -o pid= | wc -l)
[ "$left" = 0 ] && ok "no kafscaled process left after stop" || bad "$left kafscaled processes left after stop"

# --- remove and purge ---
# removing the package stops a running service
/etc/init.d/kafscale start > /dev/null 2>&1 && ok "init script start again" || bad "init script start again"
PATH=$shim:$PATH dpkg -r kafscale > /tmp/ks-ci-dpkg.log 2>&1 && ok "dpkg -r" || { cat /tmp/ks-ci-dpkg.log; bad "dpkg -r"; }
grep -q 'invoke-rc.d .*kafscale stop' /tmp/ks-ci-invoke.log 2> /dev/null && ok "removing asked for a stop" ||
    bad "removing did not ask invoke-rc.d for a stop"
left=$(ps -C kafscaled -o pid= | wc -l)
[ "$left" = 0 ] && ok "removing stopped the service" || bad "$left kafscaled processes left after dpkg -r"
[ -d /var/lib/kafscale ] && ok "removing keeps the data" || bad "removing deleted /var/lib/kafscale"
KAFSCALE_PURGE_DATA=yes dpkg --purge kafscale > /dev/null 2>&1 && ok "dpkg --purge" || bad "dpkg --purge"
rm -f /etc/default/kafscale
[ ! -e /etc/kafscale/kafscale.conf ] && ok "purge removed the configuration" || bad "purge left /etc/kafscale"
[ ! -d /var/lib/kafscale ] && ok "purge with KAFSCALE_PURGE_DATA=yes removed the data" || bad "purge left /var/lib/kafscale"
left=$(ps -C kafscaled -o pid= | wc -l)
[ "$left" = 0 ] && ok "no process left" || bad "$left kafscaled processes left"
finish
