//! `/v1/conversations`, `/v1/contacts` and `/v1/labels`: the inbox and the contact book for local
//! apps, scoped to the key's numbers (a key sees the conversations of its numbers and the contacts
//! those numbers talked with).

use super::extract::{ApiJson, ApiQuery, Caller};
use super::{own_message, ApiState, HttpError};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use switchboard_engine::store::{
    Contact, ContactFilter, ContactUpdate, Conversation, ConversationFilter, Label, Message,
};
use switchboard_engine::{ApiError, ThreadPage};

#[utoipa::path(get, path = "/v1/conversations", tag = "conversations", params(ConversationFilter),
    responses((status = 200, body = [Conversation])), security(("key" = [])))]
pub(super) async fn list_conversations(
    State(state): State<ApiState>,
    Caller(key): Caller,
    ApiQuery(filter): ApiQuery<ConversationFilter>,
) -> Result<Json<Vec<Conversation>>, HttpError> {
    let filter = ConversationFilter {
        scope: Some(key.instance_ids.clone()),
        ..filter
    };
    Ok(Json(state.engine.list_conversations(filter).await?))
}

#[utoipa::path(get, path = "/v1/conversations/{id}", tag = "conversations", params(("id" = i64, Path)),
    responses((status = 200, body = Conversation), (status = 404, body = ApiError)), security(("key" = [])))]
pub(super) async fn get_conversation(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<i64>,
) -> Result<Json<Conversation>, HttpError> {
    Ok(Json(
        state.engine.conversation(id, Some(&key.instance_ids)).await?,
    ))
}

#[utoipa::path(get, path = "/v1/conversations/{id}/messages", tag = "conversations",
    params(("id" = i64, Path), ThreadPage),
    responses((status = 200, body = [Message], description = "Newest first; page with the last one's createdAt and seq"),
        (status = 404, body = ApiError)), security(("key" = [])))]
pub(super) async fn conversation_messages(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<i64>,
    ApiQuery(page): ApiQuery<ThreadPage>,
) -> Result<Json<Vec<Message>>, HttpError> {
    Ok(Json(
        state
            .engine
            .conversation_messages(id, page, Some(&key.instance_ids))
            .await?,
    ))
}

#[utoipa::path(post, path = "/v1/conversations/{id}/read", tag = "conversations", params(("id" = i64, Path)),
    responses((status = 200, body = Conversation), (status = 404, body = ApiError)), security(("key" = [])))]
pub(super) async fn mark_read(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<i64>,
) -> Result<Json<Conversation>, HttpError> {
    Ok(Json(
        state
            .engine
            .mark_conversation_read(id, Some(&key.instance_ids))
            .await?,
    ))
}

#[utoipa::path(get, path = "/v1/contacts", tag = "contacts", params(ContactFilter),
    responses((status = 200, body = [Contact])), security(("key" = [])))]
pub(super) async fn list_contacts(
    State(state): State<ApiState>,
    Caller(key): Caller,
    ApiQuery(filter): ApiQuery<ContactFilter>,
) -> Result<Json<Vec<Contact>>, HttpError> {
    let filter = ContactFilter {
        scope: Some(key.instance_ids.clone()),
        ..filter
    };
    Ok(Json(state.engine.list_contacts(filter).await?))
}

#[utoipa::path(get, path = "/v1/contacts/{id}", tag = "contacts", params(("id" = i64, Path)),
    responses((status = 200, body = Contact), (status = 404, body = ApiError)), security(("key" = [])))]
pub(super) async fn get_contact(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<i64>,
) -> Result<Json<Contact>, HttpError> {
    Ok(Json(state.engine.contact(id, Some(&key.instance_ids)).await?))
}

#[utoipa::path(put, path = "/v1/contacts/{id}", tag = "contacts", params(("id" = i64, Path)), request_body = ContactUpdate,
    responses((status = 200, body = Contact), (status = 404, body = ApiError), (status = 422, body = ApiError)),
    security(("key" = [])))]
pub(super) async fn update_contact(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<i64>,
    ApiJson(update): ApiJson<ContactUpdate>,
) -> Result<Json<Contact>, HttpError> {
    Ok(Json(
        state
            .engine
            .update_contact(id, update, Some(&key.instance_ids))
            .await?,
    ))
}

#[utoipa::path(get, path = "/v1/labels", tag = "contacts",
    responses((status = 200, body = [Label])), security(("key" = [])))]
pub(super) async fn list_labels(
    State(state): State<ApiState>,
    Caller(_key): Caller,
) -> Result<Json<Vec<Label>>, HttpError> {
    Ok(Json(state.engine.labels().await?))
}

#[utoipa::path(get, path = "/v1/messages/{id}/media", tag = "messages", params(("id" = String, Path)),
    responses((status = 200, description = "The received file, with its type", content_type = "application/octet-stream"),
        (status = 404, body = ApiError), (status = 422, body = ApiError, description = "Not a received file")),
    security(("key" = [])))]
pub(super) async fn message_media(
    State(state): State<ApiState>,
    Caller(key): Caller,
    Path(id): Path<String>,
) -> Result<Response, HttpError> {
    let message = own_message(&state.engine, &key, &id).await?;
    let (bytes, mime) = state.engine.media_file(&message.id).await?;
    Ok(([(header::CONTENT_TYPE, mime)], bytes).into_response())
}
