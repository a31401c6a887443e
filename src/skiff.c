/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"
#include <string.h>
#include "skiff-cli.h"

int main(int argc, char **argv)
{
  struct sk_global_opts g = {.root = SKIFF_DEFAULT_ROOT};
  if (argc < 2)
    return 1;
#define X(name, help)                                                                              \
  if (strcmp(argv[1], #name) == 0)                                                                 \
    return cmd_##name(&g, argc - 1, argv + 1);
  SKIFF_COMMANDS(X)
#undef X
  return 1;
}
