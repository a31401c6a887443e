/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* placeholder: the owner of this area writes it */
