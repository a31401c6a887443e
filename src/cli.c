/* SPDX-License-Identifier: GPL-2.0-or-later */
/* placeholder: shared option parsing for the commands */
