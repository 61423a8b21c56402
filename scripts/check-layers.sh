#!/usr/bin/env bash
# Proves on the built objects that every dependency points one way
# (GNUmakefile, "sources", says which folder is which layer):
#   L0 lib/   L1 purgatory/ trampoline/   L2 loader/   L3 everything else
# An object may use symbols defined in its own layer or a lower one, never
# a higher one; and code outside an arch/ folder may reach into an arch/
# file only through a declared port (a name declared in one of PORTS).
#
#   check-layers.sh NM OBJDIR...
#
# OBJDIR is a build configuration's obj/ folder (build/host/obj, ...),
# whose objects mirror the source paths.  Prints one line per violation
# ("FAIL layers: ...") and "ok   layers ..." per folder; exits 1 on any
# violation.
set -u
PORTS=(purgatory/sha256_arch.h image/port.h)
nm=${1:?NM}
shift
here=$(cd "$(dirname "$0")/.." && pwd)

# Every identifier a port header declares.
port_names=$(cat "${PORTS[@]/#/$here/}" 2>/dev/null |
	grep -o '\b[A-Za-z_][A-Za-z0-9_]*\b' | sort -u)

rc=0
for dir in "$@"; do
	[ -d "$dir" ] || { echo "FAIL layers: no object folder $dir"; rc=1; continue; }
	# Objects of sources that still exist: a build folder may keep those of
	# files since moved or deleted, which are no part of the tree.
	mapfile -t objs < <(cd "$dir" && find . -name '*.o' | sed 's|^\./||' | sort |
		while read -r o; do [ -e "$here/${o%.o}" ] && echo "$o"; done)
	[ ${#objs[@]} -gt 0 ] || { echo "FAIL layers: no objects in $dir"; rc=1; continue; }
	out=$(cd "$dir" && "$nm" "${objs[@]}" 2>/dev/null | awk -v ports="$port_names" '
	function layer(p) {
		if (p ~ /^lib\//) return 0
		if (p ~ /^(purgatory|trampoline)\//) return 1
		if (p ~ /^loader\//) return 2
		return 3
	}
	function src(o) { sub(/\.o$/, "", o); return o }
	BEGIN { n = split(ports, a, "\n"); for (i = 1; i <= n; i++) port[a[i]] = 1 }
	{
		# "obj.o:" heads the symbols of each object: "[value] TYPE name"
		if (NF == 1 && $1 ~ /\.o:$/) { obj = $1; sub(/:$/, "", obj); next }
		if (NF == 2 && $1 == "U") { use[++nu] = src(obj) SUBSEP $2; next }
		if (NF == 3 && $2 ~ /^[TDBRWVC]$/) def[$3] = src(obj)
	}
	END {
		for (i = 1; i <= nu; i++) {
			split(use[i], u, SUBSEP); user = u[1]; sym = u[2]
			if (!(sym in def)) continue	# libc, GNU-EFI, the linker
			d = def[sym]
			if (layer(d) > layer(user))
				printf "FAIL layers: %s (L%d) uses %s from %s (L%d)\n",
				    user, layer(user), sym, d, layer(d)
			else if (d ~ /\/arch\// && user !~ /\/arch\// &&
			    layer(d) == layer(user) && !(sym in port))
				printf "FAIL layers: %s uses %s from %s, which no port declares\n",
				    user, sym, d
		}
	}')
	if [ -n "$out" ]; then
		echo "$out" | sort -u
		rc=1
	else
		echo "ok   layers: ${#objs[@]} objects in $dir, every dependency points down"
	fi
done
exit $rc
