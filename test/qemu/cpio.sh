# Initramfs helpers shared by the scripts that build test initramfs images
# (test/qemu/initramfs.sh, kexec-jump.sh, hibernate.sh): sourced, not run.

# Copies a dynamically linked program and the libraries ldd names (and its
# ELF interpreter) at the same paths.
with_libs() {	# with_libs DIR PROGRAM
	local dir=$1 prog=$2 lib
	mkdir -p "$dir$(dirname "$prog")"
	cp -L "$prog" "$dir$prog"
	for lib in $(ldd "$prog" | grep -o '/[^ ]*'); do
		mkdir -p "$dir$(dirname "$lib")"
		cp -L "$lib" "$dir$lib"
	done
}

# A gzipped newc cpio of DIR, reproducible (sorted, owner 0, no name or
# time in the gzip header), written whole or not at all.
pack() {	# pack DIR OUT
	(cd "$1" && find . | sort | cpio -o -H newc -R 0:0 --quiet) | gzip -6 -n >"$2.tmp"
	mv "$2.tmp" "$2"
}
