/* SPDX-License-Identifier: ISC */
/* fuzz_config.c - libFuzzer target: the mtasts.conf reader on arbitrary
 * file contents (written to a private temporary file). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct mts_config c;
	char err[256];
	FILE *f;

	if (path[0] == '\0') {
		int fd;

		snprintf(path, sizeof(path), "/tmp/mtasts-fuzz-conf.XXXXXX");
		if ((fd = mkstemp(path)) < 0)
			abort();
		close(fd);
	}
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	mts_config_defaults(&c);
	(void)mts_config_load(&c, path, err, sizeof(err));
	return 0;
}
