#!/usr/bin/env bash
# Runs apt-get or apt-cache against one Debian suite the machine does not
# use (trixie, sid, ...) through a PRIVATE apt: its own sources list,
# package lists and archive cache, all under CACHE/apt-SUITE (CACHE as in
# scripts/fetch.sh).  The machine's sources and package lists are never
# touched; the archive's address is the one its own Debian entries use.
#
#   apt-private.sh SUITE apt-get|apt-cache ARGS...
#
# The lists are refreshed at most once a day.  Nothing is installed: use
# `apt-get download` and unpack with dpkg-deb.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
suite=${1:-}
tool=${2:-}
case $suite in
'' | */* | .*) sed -n '2,11p' "$0" >&2; exit 2 ;;
esac
case $tool in
apt-get | apt-cache) shift 2 ;;
*) sed -n '2,11p' "$0" >&2; exit 2 ;;
esac

dir=$("$top/scripts/fetch.sh" cache)/apt-$suite
papt() {
	"$1" -o Dir::Etc::sourcelist="$dir/sources.list" \
		-o Dir::Etc::sourceparts=- -o Dir::State::Lists="$dir/lists" \
		-o Dir::Cache="$dir/cache" -o Dir::Cache::archives="$dir/archives" \
		-o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root "${@:2}"
}

mkdir -p "$dir/lists/partial" "$dir/cache" "$dir/archives/partial"
# Two callers at once (suites run side by side) update one at a time.
exec 7>"$dir/.lock"
flock 7
uri=$( { cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null || true; } |
	awk '/^(URIs:|deb) .*debian\/?( |$)/ && !/security/ && !u {u = $2} END {print u}')
[ -n "$uri" ] || { echo "apt-private: no Debian archive in the machine's apt sources" >&2; exit 1; }
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" >"$dir/sources.list"
if [ -z "$(find "$dir/lists" -maxdepth 1 -name "*_dists_${suite}_*Packages*" -mtime -1 2>/dev/null)" ]; then
	papt apt-get update -q >/dev/null ||
		{ echo "apt-private: apt-get update of $suite failed" >&2; exit 1; }
fi
flock -u 7
papt "$tool" "$@"
