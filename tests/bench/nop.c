/* SPDX-License-Identifier: ISC */
/* nop.c - the process start floor for `make bench`: a static binary
 * that does nothing (fork + exec + exit, no dynamic loader). */
int
main(void)
{
	return 0;
}
