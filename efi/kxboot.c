/* SPDX-License-Identifier: MIT */
/*
 * kxboot: a UEFI application that boots a Linux kernel through kx's
 * trampoline and purgatory.  This file finds and parses the configuration;
 * the architecture's loader (x86_64.c) does the rest.
 *
 * Where the configuration comes from, first found wins:
 *   1. the load options, when they are text: the first word that is not
 *      the application's own name (the UEFI shell passes "kxboot.efi ARGS")
 *      is the path of a configuration file;
 *   2. kxboot.conf in the application's own folder (\EFI\BOOT\kxboot.conf);
 *   3. \kxboot.conf at the root of the volume.
 */
#include <kexec_abi.h>
#include <kx/compiler.h>
#include "kxboot.h"
#include "secure.h"

extern EFI_FILE_HANDLE kxb_root;
EFI_HANDLE kxb_volume;

static struct kx_bootconf conf;
static char conf_path[KX_BOOTCONF_PATH_MAX];

static int ends_with_efi(const char *w, size_t n)
{
	return n >= 4 && w[n - 4] == '.' && (w[n - 3] | 0x20) == 'e' &&
	       (w[n - 2] | 0x20) == 'f' && (w[n - 1] | 0x20) == 'i';
}

/* A configuration path from the load options, or 0. */
static int path_from_options(EFI_LOADED_IMAGE *li)
{
	const CHAR16 *o = li->LoadOptions;
	size_t n = li->LoadOptionsSize / sizeof(CHAR16), i = 0;

	/* Boot entries may carry binary data here: only printable text counts. */
	if (!o || !n)
		return 0;
	for (size_t j = 0; j < n && o[j]; j++)
		if (o[j] < 0x20 || o[j] > 0x7e)
			return 0;
	while (i < n && o[i]) {
		size_t start, len;

		while (i < n && o[i] == ' ')
			i++;
		start = i;
		while (i < n && o[i] && o[i] != ' ')
			i++;
		len = i - start;
		if (!len)
			break;
		if (len >= sizeof(conf_path))
			kxb_fail(EFI_INVALID_PARAMETER,
				 "load options: a word longer than %u bytes",
				 (unsigned)sizeof(conf_path) - 1);
		for (size_t k = 0; k < len; k++)
			conf_path[k] = (char)o[start + k];
		conf_path[len] = 0;
		if (!ends_with_efi(conf_path, len))
			return 1;
	}
	return 0;
}

/* "<the application's folder>\kxboot.conf" from its file path, or 0. */
static int path_beside_image(EFI_LOADED_IMAGE *li)
{
	EFI_DEVICE_PATH *dp = li->FilePath;
	size_t n = 0, slash = 0;
	static const char name[] = "kxboot.conf";

	/* The file path is one or more MEDIA_FILEPATH nodes, to be joined. */
	for (int nodes = 0; dp && !IsDevicePathEnd(dp) && nodes < 64; nodes++) {
		size_t len = DevicePathNodeLength(dp);

		if (len < 4)
			return 0;
		if (DevicePathType(dp) == MEDIA_DEVICE_PATH &&
		    DevicePathSubType(dp) == MEDIA_FILEPATH_DP) {
			const CHAR16 *s = ((FILEPATH_DEVICE_PATH *)dp)->PathName;
			size_t m = (len - 4) / 2;

			if (n && m && s[0] && s[0] != '\\' &&
			    conf_path[n - 1] != '\\' && n + 1 < sizeof(conf_path))
				conf_path[n++] = '\\';
			for (size_t k = 0; k < m && s[k]; k++) {
				if (n + 1 >= sizeof(conf_path) || s[k] > 0x7e)
					return 0;
				conf_path[n++] = (char)s[k];
			}
		}
		dp = (EFI_DEVICE_PATH *)NextDevicePathNode(dp);
	}
	for (size_t k = 0; k < n; k++)
		if (conf_path[k] == '\\')
			slash = k + 1;
	if (!slash || slash + sizeof(name) > sizeof(conf_path))
		return 0;
	kx_memcpy(conf_path + slash, name, sizeof(name));
	return 1;
}

static int file_exists(const char *path)
{
	CHAR16 name[KX_BOOTCONF_PATH_MAX];
	EFI_FILE_HANDLE h;
	size_t n = 0;

	for (; path[n] && n + 1 < KX_ARRAY_SIZE(name); n++)
		name[n] = path[n] == '/' ? '\\' : (CHAR16)(unsigned char)path[n];
	name[n] = 0;
	if (uefi_call_wrapper(kxb_root->Open, 5, kxb_root, &h, name,
			      EFI_FILE_MODE_READ, 0) != EFI_SUCCESS)
		return 0;
	uefi_call_wrapper(h->Close, 1, h);
	return 1;
}

static void read_config(EFI_LOADED_IMAGE *li)
{
	static char text[KX_BOOTCONF_FILE_MAX];
	struct kx_bootconf_error err;
	struct kxb_file f;

	if (!path_from_options(li) &&
	    !(path_beside_image(li) && file_exists(conf_path))) {
		kx_memcpy(conf_path, "\\kxboot.conf", sizeof("\\kxboot.conf"));
	}
	kxb_open(&f, conf_path, "configuration");
	if (f.size > sizeof(text))
		kxb_fail(EFI_BAD_BUFFER_SIZE,
			 "configuration %s: %llu bytes, more than %u", conf_path,
			 (unsigned long long)f.size, (unsigned)sizeof(text));
	kxb_read(&f, 0, text, f.size);
	kxb_close(&f);
	kxb_say("kxboot: configuration %s\n", conf_path);
	if (kx_bootconf_parse(text, f.size, &conf, &err) != KX_OK) {
		if (err.line)
			kxb_fail(EFI_INVALID_PARAMETER, "%s line %u: %s",
				 conf_path, err.line, err.msg);
		kxb_fail(EFI_INVALID_PARAMETER, "%s: %s", conf_path, err.msg);
	}
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *li = NULL;
	EFI_STATUS st;

	InitializeLib(image, systab);
	kxb_image = image;
	/* The mode on the first line: Secure Boot decides what is refused. */
	kxb_secure_read();
	kxb_say("\nkxboot: kx EFI chainloader (%s, setup ABI %d.%d, Secure Boot %s)\n",
		kxb_arch_name, KX_ABI_MAJOR, KX_ABI_MINOR, kxb_secure_boot ? "ON" : "off");
	st = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol,
			       (void **)&li);
	if (st != EFI_SUCCESS || !li)
		kxb_fail(st, "no loaded-image protocol on our own image");
	kxb_volume = li->DeviceHandle;
	kxb_secure_init();
	kxb_root = LibOpenRoot(li->DeviceHandle);
	if (!kxb_root)
		kxb_fail(EFI_NOT_FOUND,
			 "cannot open the volume kxboot was loaded from");
	read_config(li);
	kxb_arch_boot(&conf);
}
