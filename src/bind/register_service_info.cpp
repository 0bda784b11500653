// pulsar._core.ServiceInfo: one cluster's connection information (core/service_info.hpp);
// the clients made from it are pulsar._core.Client's (register_client.cpp).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>

#include "bind/register.hpp"
#include "core/service_info.hpp"

namespace fastpulsar {

void register_service_info(py::module_& m) {
    py::class_<ServiceInfoHandle>(m, "ServiceInfo",
                                  "libpulsar's ServiceInfo: a service URL, its authentication "
                                  "and its TLS trust store.")
        .def(py::init(&make_service_info), py::arg("service_url"), py::arg("authentication"),
             py::arg("tls_trust_certs_file_path"))
        .def_property_readonly("service_url",
                               [](const ServiceInfoHandle& h) { return h.info.serviceUrl(); })
        .def_property_readonly("use_tls",
                               [](const ServiceInfoHandle& h) { return h.info.useTls(); })
        .def_property_readonly("tls_trust_certs_file_path", [](const ServiceInfoHandle& h) {
            return h.info.tlsTrustCertsFilePath();
        });
}

}  // namespace fastpulsar
