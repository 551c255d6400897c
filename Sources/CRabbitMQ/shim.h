// Thin C shim over rabbitmq-c (Debian librabbitmq-dev 0.11).
// Only what Swift cannot call or see directly lives here.
#ifndef CLOSEBELL_CRABBITMQ_SHIM_H
#define CLOSEBELL_CRABBITMQ_SHIM_H
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>
#include <sys/time.h>

// amqp_login is C-variadic, which Swift cannot call: fixed-arity wrapper for PLAIN auth.
static inline amqp_rpc_reply_t closebell_amqp_login_plain(amqp_connection_state_t state,
    const char *vhost, int channel_max, int frame_max, int heartbeat,
    const char *user, const char *password) {
    return amqp_login(state, vhost, channel_max, frame_max, heartbeat,
                      AMQP_SASL_METHOD_PLAIN, user, password);
}

// Method ids are casted macros, which Swift does not import.
static const uint32_t CLOSEBELL_CONNECTION_CLOSE = AMQP_CONNECTION_CLOSE_METHOD;
static const uint32_t CLOSEBELL_CHANNEL_CLOSE = AMQP_CHANNEL_CLOSE_METHOD;
static const uint32_t CLOSEBELL_BASIC_DELIVER = AMQP_BASIC_DELIVER_METHOD;
static const uint32_t CLOSEBELL_BASIC_ACK = AMQP_BASIC_ACK_METHOD;
static const uint32_t CLOSEBELL_BASIC_NACK = AMQP_BASIC_NACK_METHOD;
static const uint32_t CLOSEBELL_BASIC_RETURN = AMQP_BASIC_RETURN_METHOD;
static const uint32_t CLOSEBELL_BASIC_CANCEL = AMQP_BASIC_CANCEL_METHOD;
static const uint32_t CLOSEBELL_BASIC_CANCEL_OK = AMQP_BASIC_CANCEL_OK_METHOD;
static const uint32_t CLOSEBELL_CONNECTION_BLOCKED = AMQP_CONNECTION_BLOCKED_METHOD;
static const uint32_t CLOSEBELL_CONNECTION_UNBLOCKED = AMQP_CONNECTION_UNBLOCKED_METHOD;
static const uint32_t CLOSEBELL_CONNECTION_CLOSE_OK = AMQP_CONNECTION_CLOSE_OK_METHOD;
static const uint32_t CLOSEBELL_CHANNEL_CLOSE_OK = AMQP_CHANNEL_CLOSE_OK_METHOD;
static const amqp_flags_t CLOSEBELL_PROP_CONTENT_TYPE = AMQP_BASIC_CONTENT_TYPE_FLAG;
static const amqp_flags_t CLOSEBELL_PROP_DELIVERY_MODE = AMQP_BASIC_DELIVERY_MODE_FLAG;
static const amqp_flags_t CLOSEBELL_PROP_HEADERS = AMQP_BASIC_HEADERS_FLAG;
static const amqp_flags_t CLOSEBELL_PROP_MESSAGE_ID = AMQP_BASIC_MESSAGE_ID_FLAG;
static const amqp_flags_t CLOSEBELL_PROP_TYPE = AMQP_BASIC_TYPE_FLAG;

#endif
