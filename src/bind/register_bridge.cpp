// pulsar._core._install (what the Python package hands the extension at import; see
// runtime/bridge.hpp) and the results' table, for the tests.
#include <pybind11/pybind11.h>

#include "bind/register.hpp"
#include "runtime/bridge.hpp"
#include "runtime/errors.hpp"

namespace fastpulsar {

void register_bridge(py::module_& m) {
    m.def("_install", &install_bridge, py::kw_only(), py::arg("result"), py::arg("exceptions"),
          py::arg("schema_type"), py::arg("logger"), py::arg("emit_log"),
          "Hand the extension what it needs from the pulsar package; called once, by "
          "pulsar._bridge, at import.");
    m.def(
        "_result_table",
        [] {
            py::list table;
            for (const ResultName& entry : kResults) {
                table.append(py::make_tuple(entry.name, static_cast<int>(entry.value)));
            }
            return table;
        },
        "The extension's results as (name, value) pairs, from src/abi/results.hpp.");
}

}  // namespace fastpulsar
