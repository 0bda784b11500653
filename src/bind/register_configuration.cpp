// The configuration objects the Python layer builds (pulsar._core.*Configuration),
// and the objects they carry to libpulsar: schema info, crypto key reader, router.
// The Python layer owns the validation: it checks argument types and ranges before
// calling these, which pass the values on as they are (enum members arrive as their
// int values and are cast to libpulsar's enums).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "abi/configuration.hpp"
#include "bind/register.hpp"
#include "core/auth.hpp"
#include "core/listener.hpp"
#include "core/logger.hpp"
#include "core/options.hpp"
#include "core/reader.hpp"
#include "core/router.hpp"
#include "runtime/bridge.hpp"

namespace fastpulsar {

void register_configuration(py::module_& m) {
    py::class_<pulsar::SchemaInfo>(m, "SchemaInfo",
                                   "A schema's type, name, definition and properties.")
        .def(py::init([](int type, const std::string& name, const std::string& schema,
                         const std::optional<pulsar::StringMap>& properties) {
                 return pulsar::SchemaInfo(static_cast<pulsar::SchemaType>(type), name, schema,
                                           properties.value_or(pulsar::StringMap()));
             }),
             py::arg("schema_type"), py::arg("schema_name"), py::arg("schema"),
             py::arg("properties") = py::none())
        .def_static(
            "key_value",
            [](const pulsar::SchemaInfo& key, const pulsar::SchemaInfo& value, int encoding) {
                return pulsar::SchemaInfo(key, value,
                                          static_cast<pulsar::KeyValueEncodingType>(encoding));
            },
            py::arg("key"), py::arg("value"), py::arg("encoding"),
            "libpulsar's KEY_VALUE schema of `key` and `value`; `encoding` is the value of a\n"
            "pulsar.schema.KeyValueEncoding member.")
        .def("schema_type",
             [](const pulsar::SchemaInfo& info) {
                 return installed(bridge().schema_type,
                                  "pulsar.SchemaType")(static_cast<int>(info.getSchemaType()));
             })
        .def("name", &pulsar::SchemaInfo::getName)
        .def(
            "schema",
            [](const pulsar::SchemaInfo& info) {
                // A KeyValue definition is binary (lengths): undecodable bytes are kept as
                // lone surrogates, .encode("utf-8", "surrogateescape") gives them back.
                const std::string& text = info.getSchema();
                PyObject* out = PyUnicode_DecodeUTF8(
                    text.data(), static_cast<Py_ssize_t>(text.size()), "surrogateescape");
                if (out == nullptr) {
                    throw py::error_already_set();
                }
                return py::reinterpret_steal<py::str>(out);
            },
            "The definition, a str (bytes that are not UTF-8 kept as surrogates).")
        .def("properties", &pulsar::SchemaInfo::getProperties,
             "The properties, a dict of str to str.");

    py::class_<CryptoKeyReaderHandle>(m, "CryptoKeyReader", "Reads encryption keys from PEM files.")
        .def(py::init([](const std::string& public_key_path, const std::string& private_key_path) {
                 return CryptoKeyReaderHandle{
                     pulsar::DefaultCryptoKeyReader::create(public_key_path, private_key_path)};
             }),
             py::arg("public_key_path"), py::arg("private_key_path"));

    using CC = pulsar::ClientConfiguration;
    py::class_<CC>(m, "ClientConfiguration")
        .def(py::init<>())
        .def("authentication",
             [](CC& c, py::handle auth) { c.setAuth(unwrap_authentication(auth)); })
        .def("operation_timeout_seconds", &CC::setOperationTimeoutSeconds)
        .def("connection_timeout", &CC::setConnectionTimeout)
        .def("io_threads", &CC::setIOThreads)
        .def("message_listener_threads", &CC::setMessageListenerThreads)
        .def("concurrent_lookup_requests", &CC::setConcurrentLookupRequest)
        .def("stats_interval_in_seconds",
             [](CC& c, unsigned int seconds) { c.setStatsIntervalInSeconds(seconds); })
        .def("logger",
             [](CC& c, py::handle logger) {
                 // libpulsar takes ownership of the factory.
                 c.setLogger(make_logger_factory(logger).release());
             })
        .def("tls_trust_certs_file_path", &CC::setTlsTrustCertsFilePath)
        .def("tls_allow_insecure_connection", &CC::setTlsAllowInsecureConnection)
        .def("tls_validate_hostname", &CC::setValidateHostName)
        .def("tls_private_key_file_path", &CC::setTlsPrivateKeyFilePath)
        .def("tls_certificate_file_path", &CC::setTlsCertificateFilePath)
        .def("listener_name", &CC::setListenerName)
        // The getters (_pulsar.ClientConfiguration's): libpulsar's values.
        .def("operation_timeout_seconds", &CC::getOperationTimeoutSeconds)
        .def("connection_timeout", &CC::getConnectionTimeout)
        .def("io_threads", &CC::getIOThreads)
        .def("message_listener_threads", &CC::getMessageListenerThreads)
        .def("concurrent_lookup_requests", &CC::getConcurrentLookupRequest)
        .def("stats_interval_in_seconds", [](const CC& c) { return c.getStatsIntervalInSeconds(); })
        .def("tls_allow_insecure_connection", &CC::isTlsAllowInsecureConnection)
        .def("tls_private_key_file_path", &CC::getTlsPrivateKeyFilePath)
        .def("tls_certificate_file_path", &CC::getTlsCertificateFilePath);

    using PO = ProducerOptions;
    py::class_<PO>(m, "ProducerConfiguration")
        .def(py::init<>())
        .def("producer_name", [](PO& o, const std::string& v) { o.conf.setProducerName(v); })
        .def("schema", [](PO& o, const pulsar::SchemaInfo& v) { o.conf.setSchema(v); })
        .def("send_timeout_millis", [](PO& o, int v) { o.conf.setSendTimeout(v); })
        .def("initial_sequence_id", [](PO& o, int64_t v) { o.conf.setInitialSequenceId(v); })
        .def("compression_type",
             [](PO& o, int v) {
                 o.conf.setCompressionType(static_cast<pulsar::CompressionType>(v));
             })
        .def("max_pending_messages",
             [](PO& o, int v) {
                 o.max_pending = v;
                 o.conf.setMaxPendingMessages(v);
             })
        .def("max_pending_messages_across_partitions",
             [](PO& o, int v) { o.conf.setMaxPendingMessagesAcrossPartitions(v); })
        .def("block_if_queue_full", [](PO& o, bool v) { o.conf.setBlockIfQueueFull(v); })
        .def("batching_enabled",
             [](PO& o, bool v) {
                 o.batching = v;
                 o.conf.setBatchingEnabled(v);
             })
        .def("batching_max_messages",
             [](PO& o, unsigned int v) { o.conf.setBatchingMaxMessages(v); })
        .def("batching_max_allowed_size_in_bytes",
             [](PO& o, unsigned long v) { o.conf.setBatchingMaxAllowedSizeInBytes(v); })
        .def("batching_max_publish_delay_ms",
             [](PO& o, unsigned long v) { o.conf.setBatchingMaxPublishDelayMs(v); })
        .def(
            "batching_type",
            [](PO& o, int v) {
                o.conf.setBatchingType(static_cast<pulsar::ProducerConfiguration::BatchingType>(v));
            })
        .def("chunking_enabled", [](PO& o, bool v) { o.conf.setChunkingEnabled(v); })
        .def("partitions_routing_mode",
             [](PO& o, int v) {
                 o.conf.setPartitionsRoutingMode(
                     static_cast<pulsar::ProducerConfiguration::PartitionsRoutingMode>(v));
             })
        .def("message_router",
             [](PO& o, py::object router) {
                 o.conf.setMessageRouter(std::make_shared<PythonRouter>(std::move(router)));
                 o.conf.setPartitionsRoutingMode(pulsar::ProducerConfiguration::CustomPartition);
             })
        .def("lazy_start_partitioned_producers",
             [](PO& o, bool v) { o.conf.setLazyStartPartitionedProducers(v); })
        .def("property",
             [](PO& o, const std::string& k, const std::string& v) { o.conf.setProperty(k, v); })
        .def("encryption_key", [](PO& o, const std::string& v) { o.conf.addEncryptionKey(v); })
        .def("crypto_key_reader",
             [](PO& o, const CryptoKeyReaderHandle& r) { o.conf.setCryptoKeyReader(r.reader); })
        .def("access_mode",
             [](PO& o, int v) {
                 o.conf.setAccessMode(
                     static_cast<pulsar::ProducerConfiguration::ProducerAccessMode>(v));
             })
        // The getters (_pulsar.ProducerConfiguration's): libpulsar's values, enums as ints.
        .def("producer_name", [](const PO& o) { return o.conf.getProducerName(); })
        .def("schema", [](const PO& o) { return o.conf.getSchema(); })
        .def("send_timeout_millis", [](const PO& o) { return o.conf.getSendTimeout(); })
        .def("initial_sequence_id", [](const PO& o) { return o.conf.getInitialSequenceId(); })
        .def("compression_type",
             [](const PO& o) { return static_cast<int>(o.conf.getCompressionType()); })
        .def("max_pending_messages", [](const PO& o) { return o.conf.getMaxPendingMessages(); })
        .def("max_pending_messages_across_partitions",
             [](const PO& o) { return o.conf.getMaxPendingMessagesAcrossPartitions(); })
        .def("block_if_queue_full", [](const PO& o) { return o.conf.getBlockIfQueueFull(); })
        .def("batching_enabled", [](const PO& o) { return o.conf.getBatchingEnabled(); })
        .def("batching_max_messages", [](const PO& o) { return o.conf.getBatchingMaxMessages(); })
        .def("batching_max_allowed_size_in_bytes",
             [](const PO& o) { return o.conf.getBatchingMaxAllowedSizeInBytes(); })
        .def("batching_max_publish_delay_ms",
             [](const PO& o) { return o.conf.getBatchingMaxPublishDelayMs(); })
        .def("batching_type",
             [](const PO& o) { return static_cast<int>(o.conf.getBatchingType()); })
        .def("chunking_enabled", [](const PO& o) { return o.conf.isChunkingEnabled(); })
        .def("partitions_routing_mode",
             [](const PO& o) { return static_cast<int>(o.conf.getPartitionsRoutingMode()); })
        .def("lazy_start_partitioned_producers",
             [](const PO& o) { return o.conf.getLazyStartPartitionedProducers(); })
        .def("access_mode", [](const PO& o) { return static_cast<int>(o.conf.getAccessMode()); });

    using CO = ConsumerOptions;
    py::class_<CO>(m, "ConsumerConfiguration")
        .def(py::init<>())
        .def("consumer_type",
             [](CO& o, int v) { o.conf.setConsumerType(static_cast<pulsar::ConsumerType>(v)); })
        .def("schema", [](CO& o, const pulsar::SchemaInfo& v) { o.conf.setSchema(v); })
        .def("receiver_queue_size", [](CO& o, int v) { o.conf.setReceiverQueueSize(v); })
        .def("max_total_receiver_queue_size_across_partitions",
             [](CO& o, int v) { o.conf.setMaxTotalReceiverQueueSizeAcrossPartitions(v); })
        .def("consumer_name", [](CO& o, const std::string& v) { o.conf.setConsumerName(v); })
        .def("unacked_messages_timeout_ms",
             [](CO& o, uint64_t v) { o.conf.setUnAckedMessagesTimeoutMs(v); })
        .def("negative_ack_redelivery_delay_ms",
             [](CO& o, long v) { o.conf.setNegativeAckRedeliveryDelayMs(v); })
        .def("broker_consumer_stats_cache_time_ms",
             [](CO& o, long v) { o.conf.setBrokerConsumerStatsCacheTimeInMs(v); })
        .def("read_compacted", [](CO& o, bool v) { o.conf.setReadCompacted(v); })
        .def("pattern_auto_discovery_period",
             [](CO& o, int v) { o.conf.setPatternAutoDiscoveryPeriod(v); })
        .def("regex_subscription_mode",
             [](CO& o, int v) {
                 o.conf.setRegexSubscriptionMode(static_cast<pulsar::RegexSubscriptionMode>(v));
             })
        .def("subscription_initial_position",
             [](CO& o, int v) {
                 o.conf.setSubscriptionInitialPosition(static_cast<pulsar::InitialPosition>(v));
             })
        .def("property",
             [](CO& o, const std::string& k, const std::string& v) { o.conf.setProperty(k, v); })
        .def("crypto_key_reader",
             [](CO& o, const CryptoKeyReaderHandle& r) { o.conf.setCryptoKeyReader(r.reader); })
        .def("crypto_failure_action",
             [](CO& o, int v) {
                 o.conf.setCryptoFailureAction(static_cast<pulsar::ConsumerCryptoFailureAction>(v));
             })
        .def("replicate_subscription_state_enabled",
             [](CO& o, bool v) { o.conf.setReplicateSubscriptionStateEnabled(v); })
        .def("max_pending_chunked_message",
             [](CO& o, std::size_t v) { o.conf.setMaxPendingChunkedMessage(v); })
        .def("auto_ack_oldest_chunked_message_on_queue_full",
             [](CO& o, bool v) { o.conf.setAutoAckOldestChunkedMessageOnQueueFull(v); })
        .def("start_message_id_inclusive",
             [](CO& o, bool v) { o.conf.setStartMessageIdInclusive(v); })
        .def("batch_index_ack_enabled", [](CO& o, bool v) { o.conf.setBatchIndexAckEnabled(v); })
        .def("message_listener",
             [](CO& o, std::shared_ptr<MessageListenerQueue> queue) {
                 // On libpulsar's listener thread, without the GIL: only queues.
                 o.conf.setMessageListener(
                     [queue = std::move(queue)](pulsar::Consumer&, const pulsar::Message& m) {
                         queue->push(m);
                     });
             })
        .def("batch_receive_policy",
             [](CO& o, int max_num_messages, long max_num_bytes, long timeout_ms) {
                 // Throws std::invalid_argument (ValueError) when no limit is positive.
                 o.conf.setBatchReceivePolicy(
                     pulsar::BatchReceivePolicy(max_num_messages, max_num_bytes, timeout_ms));
             })
        .def("dead_letter_policy",
             [](CO& o, int max_redeliver_count, const std::string& topic,
                const std::string& initial_subscription_name) {
                 // An empty name: not given (libpulsar's default topic, no subscription).
                 pulsar::DeadLetterPolicyBuilder builder;
                 builder.maxRedeliverCount(max_redeliver_count);
                 if (!topic.empty()) {
                     builder.deadLetterTopic(topic);
                 }
                 if (!initial_subscription_name.empty()) {
                     builder.initialSubscriptionName(initial_subscription_name);
                 }
                 o.conf.setDeadLetterPolicy(builder.build());
             })
        .def("key_shared_policy",
             [](CO& o, int mode, bool allow_out_of_order_delivery, const py::list& ranges) {
                 pulsar::StickyRanges sticky_ranges;
                 for (py::handle range : ranges) {
                     auto pair = range.cast<py::tuple>();
                     sticky_ranges.emplace_back(pair[0].cast<int>(), pair[1].cast<int>());
                 }
                 pulsar::KeySharedPolicy policy;
                 policy.setKeySharedMode(static_cast<pulsar::KeySharedMode>(mode));
                 policy.setAllowOutOfOrderDelivery(allow_out_of_order_delivery);
                 if (!sticky_ranges.empty()) {
                     // Throws std::invalid_argument (ValueError) on bad ranges.
                     policy.setStickyRanges(sticky_ranges);
                 }
                 o.conf.setKeySharedPolicy(policy);
             })
        // The getters (_pulsar.ConsumerConfiguration's): libpulsar's values, enums as ints,
        // the policies as tuples of their values.
        .def("consumer_type",
             [](const CO& o) { return static_cast<int>(o.conf.getConsumerType()); })
        .def("schema", [](const CO& o) { return o.conf.getSchema(); })
        .def("receiver_queue_size", [](const CO& o) { return o.conf.getReceiverQueueSize(); })
        .def("max_total_receiver_queue_size_across_partitions",
             [](const CO& o) { return o.conf.getMaxTotalReceiverQueueSizeAcrossPartitions(); })
        .def("consumer_name", [](const CO& o) { return o.conf.getConsumerName(); })
        .def("unacked_messages_timeout_ms",
             [](const CO& o) { return o.conf.getUnAckedMessagesTimeoutMs(); })
        .def("negative_ack_redelivery_delay_ms",
             [](const CO& o) { return o.conf.getNegativeAckRedeliveryDelayMs(); })
        .def("broker_consumer_stats_cache_time_ms",
             [](const CO& o) { return o.conf.getBrokerConsumerStatsCacheTimeInMs(); })
        .def("read_compacted", [](const CO& o) { return o.conf.isReadCompacted(); })
        .def("pattern_auto_discovery_period",
             [](const CO& o) { return o.conf.getPatternAutoDiscoveryPeriod(); })
        .def("regex_subscription_mode",
             [](const CO& o) { return static_cast<int>(o.conf.getRegexSubscriptionMode()); })
        .def("subscription_initial_position",
             [](const CO& o) { return static_cast<int>(o.conf.getSubscriptionInitialPosition()); })
        .def("crypto_failure_action",
             [](const CO& o) { return static_cast<int>(o.conf.getCryptoFailureAction()); })
        .def("replicate_subscription_state_enabled",
             [](const CO& o) { return o.conf.isReplicateSubscriptionStateEnabled(); })
        .def("max_pending_chunked_message",
             [](const CO& o) { return o.conf.getMaxPendingChunkedMessage(); })
        .def("auto_ack_oldest_chunked_message_on_queue_full",
             [](const CO& o) { return o.conf.isAutoAckOldestChunkedMessageOnQueueFull(); })
        .def("start_message_id_inclusive",
             [](const CO& o) { return o.conf.isStartMessageIdInclusive(); })
        .def("batch_index_ack_enabled", [](const CO& o) { return o.conf.isBatchIndexAckEnabled(); })
        .def(
            "batch_receive_policy",
            [](const CO& o) {
                const pulsar::BatchReceivePolicy& p = o.conf.getBatchReceivePolicy();
                return py::make_tuple(p.getMaxNumMessages(), p.getMaxNumBytes(), p.getTimeoutMs());
            },
            "(max_num_messages, max_num_bytes, timeout_ms)")
        .def(
            "dead_letter_policy",
            [](const CO& o) {
                const pulsar::DeadLetterPolicy& p = o.conf.getDeadLetterPolicy();
                return py::make_tuple(p.getMaxRedeliverCount(), p.getDeadLetterTopic(),
                                      p.getInitialSubscriptionName());
            },
            "(max_redeliver_count, dead_letter_topic, initial_subscription_name)")
        .def(
            "key_shared_policy",
            [](const CO& o) {
                pulsar::KeySharedPolicy p = o.conf.getKeySharedPolicy();
                return py::make_tuple(static_cast<int>(p.getKeySharedMode()),
                                      p.isAllowOutOfOrderDelivery(), p.getStickyRanges());
            },
            "(mode, allow_out_of_order_delivery, sticky_ranges)");
}

void register_reader_configuration(py::module_& m) {
    // The getters of _core.ReaderConfiguration (bound in register_reader.cpp):
    // _pulsar.ReaderConfiguration's, libpulsar's values, enums as ints.
    using RO = ReaderOptions;
    auto cls = py::reinterpret_borrow<py::class_<RO>>(m.attr("ReaderConfiguration"));
    cls.def("schema", [](const RO& o) { return o.conf.getSchema(); })
        .def("receiver_queue_size", [](const RO& o) { return o.conf.getReceiverQueueSize(); })
        .def("reader_name", [](const RO& o) { return o.conf.getReaderName(); })
        .def("subscription_role_prefix",
             [](const RO& o) { return o.conf.getSubscriptionRolePrefix(); })
        .def("read_compacted", [](const RO& o) { return o.conf.isReadCompacted(); })
        .def("crypto_failure_action",
             [](const RO& o) { return static_cast<int>(o.conf.getCryptoFailureAction()); })
        .def("start_message_id_inclusive",
             [](const RO& o) { return o.conf.isStartMessageIdInclusive(); });
}

}  // namespace fastpulsar
