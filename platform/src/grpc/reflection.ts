import {
  create,
  createRegistry,
  type DescFile,
  type DescService,
  type Registry,
  toBinary,
} from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, type ConnectRouter, type Interceptor } from "@connectrpc/connect";
import * as v1 from "@route256/proto/grpc/reflection/v1/reflection_pb.ts";
import * as v1alpha from "@route256/proto/grpc/reflection/v1alpha/reflection_pb.ts";

/** What a reflection request asks; v1 and v1alpha messages have the same fields. */
interface Question {
  host: string;
  messageRequest:
    | {
        case: "fileByFilename" | "fileContainingSymbol" | "allExtensionNumbersOfType" | "listServices";
        value: string;
      }
    | { case: "fileContainingExtension"; value: { containingType: string; extensionNumber: number } }
    | { case: undefined; value?: undefined };
}

/** The answer to one question, as either version's ServerReflectionResponse.message_response. */
type Answer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "allExtensionNumbersResponse"; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

/**
 * The schema a server offers: its services and every file they are built from, imports included
 * (google/protobuf, buf/validate). Taken from the generated code's embedded descriptors, so what
 * reflection tells can never disagree with what the handlers decode.
 */
export class ServerSchema {
  readonly serviceNames: readonly string[];
  private readonly files = new Map<string, DescFile>();
  private readonly bytes = new Map<DescFile, Uint8Array>();
  private readonly registry: Registry;
  private readonly symbols = new Map<string, DescFile>();

  constructor(services: readonly DescService[]) {
    const visit = (file: DescFile) => {
      // DescFile.name drops ".proto"; clients ask by the file's real name.
      if (this.files.has(file.proto.name)) return;
      this.files.set(file.proto.name, file);
      for (const dep of file.dependencies) visit(dep);
    };
    for (const service of services) visit(service.file);
    this.serviceNames = [...new Set(services.map((s) => s.typeName))].sort();
    this.registry = createRegistry(...this.files.values());
    for (const desc of this.registry) {
      const add = (symbol: string) => this.symbols.set(symbol, desc.file);
      add(desc.typeName);
      if (desc.kind === "message")
        for (const m of [...desc.fields, ...desc.oneofs]) add(`${desc.typeName}.${m.name}`);
      if (desc.kind === "service") for (const m of desc.methods) add(`${desc.typeName}.${m.name}`);
      if (desc.kind === "enum") {
        const scope = desc.typeName.slice(0, desc.typeName.lastIndexOf(".") + 1);
        for (const v of desc.values) add(`${scope}${v.name}`);
      }
    }
  }

  /**
   * The file that defines a fully qualified symbol: a message, enum, service or extension, or a
   * field, oneof, method or enum value (values are scoped beside their enum, as in protobuf).
   */
  fileOfSymbol(name: string): DescFile | undefined {
    return this.symbols.get(name);
  }

  fileOfName(name: string): DescFile | undefined {
    return this.files.get(name);
  }

  fileOfExtension(containingType: string, number: number): DescFile | undefined {
    const extendee = this.registry.getMessage(containingType);
    return extendee ? this.registry.getExtensionFor(extendee, number)?.file : undefined;
  }

  /** Numbers of the known extensions of a message type; undefined for an unknown type. */
  extensionNumbers(typeName: string): number[] | undefined {
    if (!this.registry.getMessage(typeName)) return undefined;
    const numbers: number[] = [];
    for (const desc of this.registry) {
      if (desc.kind === "extension" && desc.extendee.typeName === typeName) numbers.push(desc.number);
    }
    return numbers.sort((a, b) => a - b);
  }

  /**
   * The file and, after it, the files it imports transitively that this stream has not been sent
   * yet (gRPC's reference servers do the same; clients keep what they got).
   */
  withImports(file: DescFile, sent: Set<string>): Uint8Array[] {
    const out: Uint8Array[] = [this.serialized(file)];
    sent.add(file.proto.name);
    const visit = (f: DescFile) => {
      for (const dep of f.dependencies) {
        if (sent.has(dep.proto.name)) continue;
        sent.add(dep.proto.name);
        out.push(this.serialized(dep));
        visit(dep);
      }
    };
    visit(file);
    return out;
  }

  private serialized(file: DescFile): Uint8Array {
    let b = this.bytes.get(file);
    if (!b) {
      b = toBinary(FileDescriptorProtoSchema, file.proto);
      this.bytes.set(file, b);
    }
    return b;
  }
}

/** Answers one question; a question that cannot be answered gets an error_response, and the stream goes on. */
export function answer(schema: ServerSchema, question: Question, sent: Set<string>): Answer {
  const q = question.messageRequest;
  const files = (file: DescFile | undefined, what: string): Answer =>
    file
      ? { case: "fileDescriptorResponse", value: { fileDescriptorProto: schema.withImports(file, sent) } }
      : notFound(what);
  switch (q.case) {
    case "listServices":
      return {
        case: "listServicesResponse",
        value: { service: schema.serviceNames.map((name) => ({ name })) },
      };
    case "fileByFilename":
      return files(schema.fileOfName(q.value), `file "${q.value}"`);
    case "fileContainingSymbol":
      return files(schema.fileOfSymbol(q.value), `symbol "${q.value}"`);
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = q.value;
      return files(
        schema.fileOfExtension(containingType, extensionNumber),
        `extension ${extensionNumber} of "${containingType}"`,
      );
    }
    case "allExtensionNumbersOfType": {
      const numbers = schema.extensionNumbers(q.value);
      return numbers
        ? { case: "allExtensionNumbersResponse", value: { baseTypeName: q.value, extensionNumber: numbers } }
        : notFound(`message type "${q.value}"`);
    }
    default:
      return {
        case: "errorResponse",
        value: {
          errorCode: Code.InvalidArgument,
          errorMessage: "the request asks nothing: set one of message_request",
        },
      };
  }
}

function notFound(what: string): Answer {
  return { case: "errorResponse", value: { errorCode: Code.NotFound, errorMessage: `${what} not found` } };
}

/**
 * Answers each question as it comes. Once the server drains (`closing`), the stream ends between
 * questions: tools like Postman keep a reflection stream open, which would hold the drain for its
 * whole grace period.
 */
async function* answerAll<Q extends Question, R>(
  schema: ServerSchema,
  questions: AsyncIterable<Q>,
  reply: (question: Q, answer: Answer) => R,
  closing: AbortSignal,
): AsyncIterable<R> {
  const sent = new Set<string>();
  const reader = questions[Symbol.asyncIterator]();
  const closed = new Promise<undefined>((resolve) => {
    if (closing.aborted) resolve(undefined);
    else closing.addEventListener("abort", () => resolve(undefined), { once: true });
  });
  for (;;) {
    const next = reader.next();
    next.catch(() => {}); // left pending at close: the client's reset must not be an unhandled rejection
    const question = await Promise.race([next, closed]);
    if (question === undefined || question.done) return;
    yield reply(question.value, answer(schema, question.value, sent));
  }
}

/**
 * gRPC server reflection, v1 and the older v1alpha that some clients still ask first: grpcurl,
 * buf curl, Postman, Kreya and ghz list the services and fetch the schema through it, no .proto
 * files needed. No connect-es implementation is published, so it is this small one.
 */
export function serveReflection(
  router: ConnectRouter,
  schema: ServerSchema,
  interceptors: Interceptor[],
  closing: AbortSignal,
): void {
  router.service(
    v1.ServerReflection,
    {
      serverReflectionInfo: (questions) =>
        answerAll(
          schema,
          questions,
          (q, a) =>
            create(v1.ServerReflectionResponseSchema, {
              validHost: q.host,
              originalRequest: q,
              messageResponse: a,
            }),
          closing,
        ),
    },
    { interceptors },
  );
  router.service(
    v1alpha.ServerReflection,
    {
      serverReflectionInfo: (questions) =>
        answerAll(
          schema,
          questions,
          (q, a) =>
            create(v1alpha.ServerReflectionResponseSchema, {
              validHost: q.host,
              originalRequest: q,
              messageResponse: a,
            }),
          closing,
        ),
    },
    { interceptors },
  );
}

/** The reflection services themselves, for the list a server reflects. */
export const reflectionServices: readonly DescService[] = [v1.ServerReflection, v1alpha.ServerReflection];
