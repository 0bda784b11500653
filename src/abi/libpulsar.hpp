// The part of libpulsar 4.2.0's C++ API that fastpulsar uses, declared by us: include
// this, or the one header of abi/ that declares what a file needs.
//
// libpulsar ships as a binary without headers (inside the pulsar-client 3.13.0
// wheel). These declarations were written from `nm -DC` of that library and from
// the disassembly of the functions concerned. Only the headers of abi/ declare
// libpulsar's API.
//
// Rules that keep these declarations honest:
// - Each value class holds exactly what the library's does (one shared_ptr, or a
//   vptr and a shared_ptr for Consumer), so objects can be passed and returned by
//   value across the boundary.
// - A return type is not part of a mangled name. Getters that the disassembly
//   shows returning a reference (`this` in %rdi, no hidden result pointer) are
//   declared returning a const reference; those writing through a hidden pointer
//   are declared returning by value.
// - Setters are declared returning void: the library's return the object (or
//   nothing), and ignoring a returned register is always safe.
// - Enums carry the library's underlying type (it reads one byte or four).
// - Only what the extension uses is declared (virtual functions excepted: they keep
//   a vtable's layout).
// - tests/unit/test_abi.py compiles a reference to every function declared in abi/
//   and checks each symbol against the bundled library's exports, and that the
//   extension uses each; the extension links with -z now, so a missing symbol also
//   fails the import.
#pragma once

#include "abi/auth.hpp"
#include "abi/client.hpp"
#include "abi/configuration.hpp"
#include "abi/enums.hpp"
#include "abi/interfaces.hpp"
#include "abi/message.hpp"
#include "abi/reader.hpp"
#include "abi/results.hpp"
#include "abi/schema.hpp"
#include "abi/service_info.hpp"
#include "abi/table_view.hpp"
