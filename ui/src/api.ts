import {
  commands,
  type AddInstanceRequest,
  type ApiError,
  type ErrorCode,
  type InstanceId,
  type MessageFilter,
  type SendTextRequest,
  type Settings,
} from "./bindings";

/** The shape every generated command resolves to. */
export type Result<T, E> = { status: "ok"; data: T } | { status: "error"; error: E };

const FALLBACK_MESSAGE = "Something went wrong. Please try again.";

export class ApiFailure extends Error {
  readonly code: ErrorCode;

  constructor(error: ApiError) {
    super(error.message);
    this.name = "ApiFailure";
    this.code = error.code;
  }
}

function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { code?: unknown }).code === "string" &&
    typeof (value as { message?: unknown }).message === "string"
  );
}

export function toApiError(value: unknown): ApiError {
  if (isApiError(value) && value.message.trim() !== "") return value;
  if (typeof value === "string" && value.trim() !== "") return { code: "internal", message: value };
  return { code: "internal", message: FALLBACK_MESSAGE };
}

export function unwrap<T>(result: Result<T, ApiError>): T {
  if (result.status === "ok") return result.data;
  throw new ApiFailure(toApiError(result.error));
}

async function call<T>(pending: Promise<Result<T, ApiError>>): Promise<T> {
  return unwrap(await pending);
}

export const api = {
  listInstances: () => call(commands.listInstances()),
  addInstance: (request: AddInstanceRequest) => call(commands.addInstance(request)),
  getLink: (id: InstanceId) => call(commands.getLink(id)),
  startLinking: (id: InstanceId, pairingPhone: string | null) => call(commands.startLinking(id, pairingPhone)),
  restartInstance: (id: InstanceId) => call(commands.restartInstance(id)),
  logoutInstance: (id: InstanceId) => call(commands.logoutInstance(id)),
  deleteInstance: (id: InstanceId) => call(commands.deleteInstance(id)),
  statusHistory: (id: InstanceId) => call(commands.statusHistory(id)),
  sendText: (request: SendTextRequest) => call(commands.sendText(request)),
  listMessages: (filter: MessageFilter) => call(commands.listMessages(filter)),
  getSettings: () => call(commands.getSettings()),
  updateSettings: (settings: Settings) => call(commands.updateSettings(settings)),
};

export function errorMessage(error: unknown): string {
  if (error instanceof ApiFailure) return error.message;
  if (error instanceof Error && error.message.trim() !== "") return error.message;
  return toApiError(error).message;
}
