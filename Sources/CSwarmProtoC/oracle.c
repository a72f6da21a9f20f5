// protobuf-c as a reference codec for the conformance tests (see
// include/swarm_pbc_oracle.h). The listing walks protobuf-c's own descriptors, so it
// shows exactly what protobuf-c's unpacker stored, field by field.
#include "swarm_pbc_oracle.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

#include "openswarm/testing/conformance.pb-c.h"

// protobuf-c rejects a NULL buffer only in assertions; give it a real empty one.
static const uint8_t empty_input[1] = {0};

static ProtobufCMessage *unpack_alltypes(const uint8_t *in, size_t len) {
  return protobuf_c_message_unpack(&openswarm__testing__all_types__descriptor, NULL, len,
                                   in != NULL ? in : empty_input);
}

int swarm_pbc_reencode_alltypes(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  ProtobufCMessage *message = unpack_alltypes(in, len);
  if (message == NULL) return SWARM_PBC_UNPACK_FAILED;
  size_t size = protobuf_c_message_get_packed_size(message);
  uint8_t *buffer = malloc(size > 0 ? size : 1);
  if (buffer == NULL) {
    protobuf_c_message_free_unpacked(message, NULL);
    return SWARM_PBC_NO_MEMORY;
  }
  *out_len = protobuf_c_message_pack(message, buffer);
  *out = buffer;
  protobuf_c_message_free_unpacked(message, NULL);
  return SWARM_PBC_OK;
}

// MARK: - The value listing

// A growing NUL-terminated text buffer; `failed` sticks after the first allocation
// failure so that callers need not check every append.
typedef struct {
  char *text;
  size_t length;
  size_t capacity;
  int failed;
} text_buffer;

static int text_reserve(text_buffer *b, size_t extra) {
  if (b->failed) return 0;
  if (b->length + extra + 1 <= b->capacity) return 1;
  size_t capacity = b->capacity > 0 ? b->capacity : 4096;
  while (capacity < b->length + extra + 1) capacity *= 2;
  char *text = realloc(b->text, capacity);
  if (text == NULL) {
    b->failed = 1;
    return 0;
  }
  b->text = text;
  b->capacity = capacity;
  return 1;
}

static void text_append(text_buffer *b, const char *s, size_t n) {
  if (!text_reserve(b, n)) return;
  memcpy(b->text + b->length, s, n);
  b->length += n;
  b->text[b->length] = '\0';
}

static void text_printf(text_buffer *b, const char *format, ...) {
  char small[128];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(small, sizeof small, format, args);
  va_end(args);
  if (n < 0) {
    b->failed = 1;
    return;
  }
  if ((size_t)n < sizeof small) {
    text_append(b, small, (size_t)n);
    return;
  }
  if (!text_reserve(b, (size_t)n)) return;
  va_start(args, format);
  vsnprintf(b->text + b->length, (size_t)n + 1, format, args);
  va_end(args);
  b->length += (size_t)n;
}

static void text_hex(text_buffer *b, const uint8_t *bytes, size_t n) {
  static const char digits[] = "0123456789abcdef";
  if (!text_reserve(b, 2 * n + 3)) return;
  char *p = b->text + b->length;
  *p++ = 'x';
  *p++ = '"';
  for (size_t i = 0; i < n; i++) {
    *p++ = digits[bytes[i] >> 4];
    *p++ = digits[bytes[i] & 15];
  }
  *p++ = '"';
  *p = '\0';
  b->length = (size_t)(p - b->text);
}

// The path of a value: a stack of `name`, `[index]` and `.` components kept as one
// string; each level truncates back to its own length when done.
typedef struct {
  char *text;
  size_t length;
  size_t capacity;
} path_buffer;

static int path_push(path_buffer *p, const char *format, ...) {
  va_list args;
  va_start(args, format);
  int n = vsnprintf(NULL, 0, format, args);
  va_end(args);
  if (n < 0) return 0;
  if (p->length + (size_t)n + 1 > p->capacity) {
    size_t capacity = p->capacity > 0 ? p->capacity * 2 : 256;
    while (capacity < p->length + (size_t)n + 1) capacity *= 2;
    char *text = realloc(p->text, capacity);
    if (text == NULL) return 0;
    p->text = text;
    p->capacity = capacity;
  }
  va_start(args, format);
  vsnprintf(p->text + p->length, (size_t)n + 1, format, args);
  va_end(args);
  p->length += (size_t)n;
  return 1;
}

static void dump_message(text_buffer *b, path_buffer *path, const ProtobufCMessage *message);

static void dump_line_start(text_buffer *b, const path_buffer *path) {
  text_append(b, path->text, path->length);
  text_append(b, ": ", 2);
}

// One value of `field` stored at `member` (a struct member or an array element).
static void dump_value(text_buffer *b, path_buffer *path, const ProtobufCFieldDescriptor *field,
                       const void *member) {
  if (field->type == PROTOBUF_C_TYPE_MESSAGE) {
    const ProtobufCMessage *child = *(const ProtobufCMessage *const *)member;
    if (child == NULL) return;
    dump_line_start(b, path);
    text_append(b, "message\n", 8);
    size_t length = path->length;
    if (!path_push(path, ".")) {
      b->failed = 1;
      return;
    }
    dump_message(b, path, child);
    path->length = length;
    path->text[length] = '\0';
    return;
  }
  dump_line_start(b, path);
  switch (field->type) {
  case PROTOBUF_C_TYPE_INT32:
  case PROTOBUF_C_TYPE_SINT32:
  case PROTOBUF_C_TYPE_SFIXED32:
  case PROTOBUF_C_TYPE_ENUM:
    text_printf(b, "%" PRId32, *(const int32_t *)member);
    break;
  case PROTOBUF_C_TYPE_UINT32:
  case PROTOBUF_C_TYPE_FIXED32:
    text_printf(b, "%" PRIu32, *(const uint32_t *)member);
    break;
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
    text_printf(b, "%" PRId64, *(const int64_t *)member);
    break;
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64:
    text_printf(b, "%" PRIu64, *(const uint64_t *)member);
    break;
  case PROTOBUF_C_TYPE_FLOAT: {
    uint32_t bits;
    memcpy(&bits, member, sizeof bits);
    text_printf(b, "0x%08" PRIx32, bits);
    break;
  }
  case PROTOBUF_C_TYPE_DOUBLE: {
    uint64_t bits;
    memcpy(&bits, member, sizeof bits);
    text_printf(b, "0x%016" PRIx64, bits);
    break;
  }
  case PROTOBUF_C_TYPE_BOOL:
    text_printf(b, "%s", *(const protobuf_c_boolean *)member ? "true" : "false");
    break;
  case PROTOBUF_C_TYPE_STRING: {
    // protobuf-c keeps strings NUL-terminated: what it holds ends at the first NUL.
    const char *s = *(const char *const *)member;
    if (s == NULL) s = "";
    text_hex(b, (const uint8_t *)s, strlen(s));
    break;
  }
  case PROTOBUF_C_TYPE_BYTES: {
    const ProtobufCBinaryData *data = member;
    text_hex(b, data->data, data->len);
    break;
  }
  default:
    text_printf(b, "<type %d>", (int)field->type);
    break;
  }
  text_append(b, "\n", 1);
}

static size_t element_size(ProtobufCType type) {
  switch (type) {
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64:
  case PROTOBUF_C_TYPE_DOUBLE:
    return 8;
  case PROTOBUF_C_TYPE_BOOL:
    return sizeof(protobuf_c_boolean);
  case PROTOBUF_C_TYPE_ENUM:
    return sizeof(int);
  case PROTOBUF_C_TYPE_STRING:
    return sizeof(char *);
  case PROTOBUF_C_TYPE_BYTES:
    return sizeof(ProtobufCBinaryData);
  case PROTOBUF_C_TYPE_MESSAGE:
    return sizeof(ProtobufCMessage *);
  default:
    return 4;
  }
}

static size_t encode_varint(uint64_t value, uint8_t out[10]) {
  size_t n = 0;
  while (value >= 0x80) {
    out[n++] = (uint8_t)(value | 0x80);
    value >>= 7;
  }
  out[n++] = (uint8_t)value;
  return n;
}

// Fields in descriptor order (protoc-c sorts them by number), then unknown fields.
static void dump_message(text_buffer *b, path_buffer *path, const ProtobufCMessage *message) {
  const ProtobufCMessageDescriptor *descriptor = message->descriptor;
  const char *base = (const char *)message;
  size_t length = path->length;
  for (unsigned i = 0; i < descriptor->n_fields && !b->failed; i++) {
    const ProtobufCFieldDescriptor *field = &descriptor->fields[i];
    const void *member = base + field->offset;
    if (field->label == PROTOBUF_C_LABEL_REPEATED) {
      size_t count = *(const size_t *)(base + field->quantifier_offset);
      const char *elements = *(const char *const *)member;
      size_t size = element_size(field->type);
      for (size_t j = 0; j < count && !b->failed; j++) {
        if (!path_push(path, "%s[%zu]", field->name, j)) {
          b->failed = 1;
          break;
        }
        dump_value(b, path, field, elements + j * size);
        path->length = length;
        path->text[length] = '\0';
      }
      continue;
    }
    if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
      uint32_t which = *(const uint32_t *)(base + field->quantifier_offset);
      if (which != field->id) continue;
    } else if (field->label == PROTOBUF_C_LABEL_OPTIONAL && field->type != PROTOBUF_C_TYPE_MESSAGE &&
               field->type != PROTOBUF_C_TYPE_STRING) {
      // proto2-style presence; the test protos have none, kept for completeness.
      if (!*(const protobuf_c_boolean *)(base + field->quantifier_offset)) continue;
    }
    if (!path_push(path, "%s", field->name)) {
      b->failed = 1;
      break;
    }
    dump_value(b, path, field, member);
    path->length = length;
    path->text[length] = '\0';
  }
  if (message->n_unknown_fields > 0 && !b->failed) {
    // Listed as they would be written back: tag, then the stored value bytes.
    text_append(b, path->text, length > 0 && path->text[length - 1] == '.' ? length - 1 : length);
    text_append(b, "#unknown: ", 10);
    size_t total = 0;
    for (unsigned i = 0; i < message->n_unknown_fields; i++) total += 10 + message->unknown_fields[i].len;
    uint8_t *raw = malloc(total > 0 ? total : 1);
    if (raw == NULL) {
      b->failed = 1;
      return;
    }
    size_t n = 0;
    for (unsigned i = 0; i < message->n_unknown_fields; i++) {
      const ProtobufCMessageUnknownField *unknown = &message->unknown_fields[i];
      n += encode_varint(((uint64_t)unknown->tag << 3) | (uint64_t)unknown->wire_type, raw + n);
      memcpy(raw + n, unknown->data, unknown->len);
      n += unknown->len;
    }
    text_hex(b, raw, n);
    free(raw);
    text_append(b, "\n", 1);
  }
}

int swarm_pbc_dump_alltypes(const uint8_t *in, size_t len, char **out, size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  ProtobufCMessage *message = unpack_alltypes(in, len);
  if (message == NULL) return SWARM_PBC_UNPACK_FAILED;
  text_buffer b = {0};
  path_buffer path = {0};
  if (path_push(&path, "%s", "")) {
    text_reserve(&b, 0);
    dump_message(&b, &path, message);
  } else {
    b.failed = 1;
  }
  free(path.text);
  protobuf_c_message_free_unpacked(message, NULL);
  if (b.failed) {
    free(b.text);
    return SWARM_PBC_NO_MEMORY;
  }
  *out = b.text;
  *out_len = b.length;
  return SWARM_PBC_OK;
}

void swarm_pbc_free(void *buffer) { free(buffer); }
