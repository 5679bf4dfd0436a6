import {
  commands,
  type AddInstanceRequest,
  type AutoReplyRule,
  type AutoReplyTrial,
  type ApiError,
  type CampaignDraft,
  type CampaignState,
  type ContactFilter,
  type ContactUpdate,
  type ConversationFilter,
  type ErrorCode,
  type GuardRules,
  type InstanceId,
  type LabelChange,
  type MessageFilter,
  type NewApiKey,
  type NewSubscription,
  type Pacing,
  type ProfileUpdate,
  type SendRequest,
  type Settings,
  type StatsQuery,
  type ThreadPage,
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
  manualWebhook: (id: InstanceId) => call(commands.manualWebhook(id)),
  listTemplates: (id: InstanceId) => call(commands.listTemplates(id)),
  syncTemplates: (id: InstanceId) => call(commands.syncTemplates(id)),
  getProfile: (id: InstanceId) => call(commands.getProfile(id)),
  updateProfile: (id: InstanceId, update: ProfileUpdate) => call(commands.updateProfile(id, update)),
  sendMessage: (request: SendRequest) => call(commands.sendMessage(request)),
  checkRecipient: (to: string) => call(commands.checkRecipient(to)),
  checkOnWhatsapp: (id: InstanceId, to: string) => call(commands.checkOnWhatsapp(id, to)),
  listAutoReplies: (id: InstanceId) => call(commands.listAutoReplies(id)),
  saveAutoReply: (id: InstanceId, ruleId: number | null, rule: AutoReplyRule) => call(commands.saveAutoReply(id, ruleId, rule)),
  deleteAutoReply: (id: InstanceId, ruleId: number) => call(commands.deleteAutoReply(id, ruleId)),
  moveAutoReply: (id: InstanceId, ruleId: number, position: number) => call(commands.moveAutoReply(id, ruleId, position)),
  testAutoReply: (id: InstanceId, trial: AutoReplyTrial) => call(commands.testAutoReply(id, trial)),
  phoneRegions: () => call(commands.phoneRegions()),
  getMessage: (messageId: string) => call(commands.getMessage(messageId)),
  retryMessage: (messageId: string) => call(commands.retryMessage(messageId)),
  cancelMessage: (messageId: string) => call(commands.cancelMessage(messageId)),
  downloadMedia: (messageId: string) => call(commands.downloadMedia(messageId)),
  listMessages: (filter: MessageFilter) => call(commands.listMessages(filter)),
  listGroups: (id: InstanceId) => call(commands.listGroups(id)),
  getPacing: (id: InstanceId) => call(commands.getPacing(id)),
  setPacing: (id: InstanceId, pacing: Pacing) => call(commands.setPacing(id, pacing)),
  sendingHealth: (id: InstanceId) => call(commands.sendingHealth(id)),
  setGuardRules: (id: InstanceId, rules: GuardRules) => call(commands.setGuardRules(id, rules)),
  resumeSending: (id: InstanceId) => call(commands.resumeSending(id)),
  setWarmUp: (id: InstanceId, dailyLimits: number[] | null) => call(commands.setWarmUp(id, dailyLimits)),
  statistics: (query: StatsQuery) => call(commands.statistics(query)),
  previewCampaign: (draft: CampaignDraft) => call(commands.previewCampaign(draft)),
  createCampaign: (draft: CampaignDraft) => call(commands.createCampaign(draft)),
  listCampaigns: () => call(commands.listCampaigns()),
  setCampaignState: (campaignId: string, state: CampaignState) => call(commands.setCampaignState(campaignId, state)),
  getSettings: () => call(commands.getSettings()),
  updateSettings: (settings: Settings) => call(commands.updateSettings(settings)),
  apiAddress: () => call(commands.apiAddress()),
  listApiKeys: () => call(commands.listApiKeys()),
  createApiKey: (key: NewApiKey) => call(commands.createApiKey(key)),
  revokeApiKey: (keyId: string) => call(commands.revokeApiKey(keyId)),
  listSubscriptions: () => call(commands.listSubscriptions()),
  createSubscription: (subscription: NewSubscription) => call(commands.createSubscription(subscription)),
  deleteSubscription: (subscriptionId: string) => call(commands.deleteSubscription(subscriptionId)),
  listDeliveries: (subscriptionId: string | null) => call(commands.listDeliveries(subscriptionId)),
  replayDelivery: (deliveryId: string) => call(commands.replayDelivery(deliveryId)),
  messageHistory: (messageId: string) => call(commands.messageHistory(messageId)),
  startWithComputer: () => call(commands.startWithComputer()),
  setStartWithComputer: (enabled: boolean) => call(commands.setStartWithComputer(enabled)),
  listConversations: (filter: ConversationFilter) => call(commands.listConversations(filter)),
  getConversation: (conversationId: number) => call(commands.getConversation(conversationId)),
  conversationMessages: (conversationId: number, page: ThreadPage) =>
    call(commands.conversationMessages(conversationId, page)),
  markConversationRead: (conversationId: number) => call(commands.markConversationRead(conversationId)),
  unreadTotal: () => call(commands.unreadTotal()),
  setReadReceipts: (id: InstanceId, on: boolean) => call(commands.setReadReceipts(id, on)),
  listContacts: (filter: ContactFilter) => call(commands.listContacts(filter)),
  updateContact: (contactId: number, update: ContactUpdate) => call(commands.updateContact(contactId, update)),
  listLabels: () => call(commands.listLabels()),
  updateLabel: (labelId: number, change: LabelChange) => call(commands.updateLabel(labelId, change)),
  deleteLabel: (labelId: number) => call(commands.deleteLabel(labelId)),
  exportContacts: () => call(commands.exportContacts()),
  importContacts: (csv: string) => call(commands.importContacts(csv)),
  mediaPreview: (messageId: string, maxSide: number) => call(commands.mediaPreview(messageId, maxSide)),
  conversationOfMessage: (messageId: string) => call(commands.conversationOfMessage(messageId)),
  saveContacts: (path: string) => call(commands.saveContacts(path)),
  saveLog: (filter: MessageFilter, path: string) => call(commands.saveLog(filter, path)),
};

/** Whether a send was held because the same text went to the same person lately. */
export function isRepeat(error: unknown): boolean {
  return error instanceof ApiFailure && error.code === "repeated";
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiFailure) return error.message;
  if (error instanceof Error && error.message.trim() !== "") return error.message;
  return toApiError(error).message;
}
