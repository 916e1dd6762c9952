//! Serde types for the subset of the catalog files meshgate reads: `mesh.yaml`, `domain.yaml`
//! and ODCS v3.1 data contracts (`*.odcs.yaml`).
//!
//! Keys that the Open Data Contract Standard defines but meshgate does not interpret are declared
//! as [`Ignored`] so that they are accepted silently; any other key is reported as a warning.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A standard key that meshgate accepts without interpreting.
pub type Ignored = Option<serde_yaml_ng::Value>;

/// `catalog/mesh.yaml`: mesh-wide settings and governance rules.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeshManifest {
    /// Human name of the mesh.
    pub name: Option<String>,
    /// What the mesh is for.
    pub description: Option<String>,
    /// Global governance rules agreed by all domains.
    #[serde(default)]
    pub governance: GovernanceManifest,
    /// What the mesh assigns to each domain, by domain name.
    #[serde(default)]
    pub domains: BTreeMap<String, MeshDomain>,
}

/// One entry of `domains` in `mesh.yaml`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MeshDomain {
    /// Object-store prefixes (`s3://lake/sales/`) the domain's products may read.
    #[serde(default)]
    pub storage: Vec<String>,
}

/// The `governance` section of `mesh.yaml`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GovernanceManifest {
    /// Column masks applied to every product by tag or classification.
    #[serde(default)]
    pub masks: Vec<MaskRule>,
}

/// One global column-mask rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaskRule {
    /// Columns carrying this tag are masked.
    pub tag: Option<String>,
    /// Columns with this classification are masked.
    pub classification: Option<String>,
    /// SQL expression that replaces the value (`NULL` when absent).
    pub mask: Option<String>,
    /// Roles that see the original value.
    #[serde(default)]
    pub unless_roles: Vec<String>,
    /// Why the rule exists.
    pub description: Option<String>,
}

/// `catalog/<domain>/domain.yaml`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainManifest {
    /// Domain name; must equal the folder name.
    pub name: String,
    /// What the domain covers.
    pub description: Option<String>,
    /// The owning team.
    pub team: Option<String>,
    /// How to reach the owning team (an e-mail address or URL).
    pub contact: Option<String>,
}

/// One ODCS v3.1 data contract: one data product.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contract {
    /// Must be `v3.1.0` (v3.0.x is accepted).
    pub api_version: String,
    /// Must be `DataContract`.
    pub kind: String,
    /// Stable identifier of the contract.
    pub id: String,
    /// Product name.
    pub name: Option<String>,
    /// Contract version.
    pub version: String,
    /// Lifecycle status (`proposed`, `draft`, `active`, `deprecated`, `retired`).
    pub status: String,
    /// Owning domain; must equal the folder the contract is in.
    pub domain: Option<String>,
    /// Name of the data product this contract belongs to.
    pub data_product: Option<String>,
    /// Free-text description.
    pub description: Option<ContractDescription>,
    /// The owning team (ODCS 3.1 object form, or the deprecated member list).
    pub team: Option<Team>,
    /// Support channels; an `email` channel is the product's contact.
    #[serde(default)]
    pub support: Vec<SupportChannel>,
    /// Product-level tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The tables of the product.
    #[serde(default)]
    pub schema: Vec<SchemaObject>,
    /// Where the data lives.
    #[serde(default)]
    pub servers: Vec<Server>,
    /// Grants.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Service-level properties.
    #[serde(default)]
    pub sla_properties: Vec<SlaProperty>,
    /// meshgate's own settings (row filters).
    #[serde(default)]
    pub custom_properties: Vec<CustomProperty>,
    /// Standard, not interpreted.
    pub tenant: Ignored,
    /// Standard, not interpreted.
    pub price: Ignored,
    /// Standard, not interpreted.
    pub sla_default_element: Ignored,
    /// Standard, not interpreted.
    pub authoritative_definitions: Ignored,
    /// Standard, not interpreted.
    pub contract_created_ts: Ignored,
}

/// `description` of a contract.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractDescription {
    /// Why the product exists.
    pub purpose: Option<String>,
    /// How to use it.
    pub usage: Option<String>,
    /// What it cannot be used for.
    pub limitations: Option<String>,
    /// Standard, not interpreted.
    pub authoritative_definitions: Ignored,
    /// Standard, not interpreted.
    pub custom_properties: Ignored,
}

/// `team`: the ODCS 3.1 object, or the deprecated ODCS 3.0 list of members.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Team {
    /// ODCS 3.1 team object.
    Object(Box<TeamObject>),
    /// Deprecated ODCS 3.0 member list.
    Members(Vec<TeamMember>),
}

/// ODCS 3.1 team object.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamObject {
    /// Team name.
    pub name: Option<String>,
    /// Team description.
    pub description: Option<String>,
    /// Members.
    #[serde(default)]
    pub members: Vec<TeamMember>,
    /// Standard, not interpreted.
    pub id: Ignored,
    /// Standard, not interpreted.
    pub tags: Ignored,
    /// Standard, not interpreted.
    pub custom_properties: Ignored,
    /// Standard, not interpreted.
    pub authoritative_definitions: Ignored,
}

/// A team member.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamMember {
    /// User name or e-mail.
    pub username: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Job role (`owner`, `data steward`, ...).
    pub role: Option<String>,
    /// Standard, not interpreted.
    pub id: Ignored,
    /// Standard, not interpreted.
    pub description: Ignored,
    /// Standard, not interpreted.
    pub date_in: Ignored,
    /// Standard, not interpreted.
    pub date_out: Ignored,
    /// Standard, not interpreted.
    pub replaced_by_username: Ignored,
    /// Standard, not interpreted.
    pub tags: Ignored,
    /// Standard, not interpreted.
    pub custom_properties: Ignored,
    /// Standard, not interpreted.
    pub authoritative_definitions: Ignored,
}

/// One support channel.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SupportChannel {
    /// Channel name.
    pub channel: Option<String>,
    /// URL (`mailto:` for e-mail).
    pub url: Option<String>,
    /// Tool (`email`, `slack`, ...).
    pub tool: Option<String>,
    /// Standard, not interpreted.
    pub id: Ignored,
    /// Standard, not interpreted.
    pub description: Ignored,
    /// Standard, not interpreted.
    pub scope: Ignored,
    /// Standard, not interpreted.
    pub invitation_url: Ignored,
    /// Standard, not interpreted.
    pub custom_properties: Ignored,
}

/// One `schema[]` entry: a table of the product.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaObject {
    /// SQL table name.
    pub name: String,
    /// Storage name, substituted for `{model}` in the server location.
    pub physical_name: Option<String>,
    /// `table`, `view`, `file`, ...
    pub physical_type: Option<String>,
    /// `object` for tables.
    pub logical_type: Option<String>,
    /// What a row is.
    pub description: Option<String>,
    /// Business name.
    pub business_name: Option<String>,
    /// Table-level tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The columns.
    #[serde(default)]
    pub properties: Vec<Property>,
    /// Standard, not interpreted.
    pub id: Ignored,
    /// Standard, not interpreted.
    pub data_granularity_description: Ignored,
    /// Foreign keys from this table ([`crate::catalog::keys`]).
    #[serde(default)]
    pub relationships: Vec<Relationship>,
    /// Standard, not interpreted.
    pub quality: Ignored,
    /// Standard, not interpreted.
    pub authoritative_definitions: Ignored,
    /// Standard, not interpreted.
    pub custom_properties: Ignored,
}

/// One column of a table.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Property {
    /// Column name.
    pub name: String,
    /// ODCS logical type: string, date, timestamp, time, number, integer, object, array, boolean.
    pub logical_type: Option<String>,
    /// Storage type, free text (`DECIMAL(15,2)`).
    pub physical_type: Option<String>,
    /// Whether a value is always present.
    #[serde(default)]
    pub required: bool,
    /// Part of the primary key.
    #[serde(default)]
    pub primary_key: bool,
    /// What the column means.
    pub description: Option<String>,
    /// Sensitivity class (`public`, `restricted`, ...).
    pub classification: Option<String>,
    /// Column tags (`pii`, ...).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Business name.
    pub business_name: Option<String>,
    /// Standard, not interpreted.
    pub id: Ignored,
    /// Position in a composite primary key (1, 2, ...), checked by [`crate::catalog::keys`].
    pub primary_key_position: Ignored,
    /// Standard, not interpreted.
    pub logical_type_options: Ignored,
    /// Standard, not interpreted.
    pub physical_name: Ignored,
    /// Standard, not interpreted.
    pub unique: Ignored,
    /// Standard, not interpreted.
    pub partitioned: Ignored,
    /// Standard, not interpreted.
    pub partition_key_position: Ignored,
    /// Standard, not interpreted.
    pub encrypted_name: Ignored,
    /// Standard, not interpreted.
    pub transform_source_objects: Ignored,
    /// Standard, not interpreted.
    pub transform_logic: Ignored,
    /// Standard, not interpreted.
    pub transform_description: Ignored,
    /// Standard, not interpreted.
    pub examples: Ignored,
    /// Standard, not interpreted.
    pub critical_data_element: Ignored,
    /// Foreign keys from this column ([`crate::catalog::keys`]).
    #[serde(default)]
    pub relationships: Vec<Relationship>,
    /// Standard, not interpreted.
    pub quality: Ignored,
    /// Standard, not interpreted.
    pub authoritative_definitions: Ignored,
    /// Standard, not interpreted.
    pub custom_properties: Ignored,
    /// Standard, not interpreted.
    pub items: Ignored,
    /// Standard, not interpreted.
    pub properties: Ignored,
}

/// One ODCS v3.1 `relationships[]` entry: a foreign key. `from` and `to` are a reference
/// or a list of them, checked by [`crate::catalog::keys`] (which names the field of a bad one).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Relationship {
    /// `foreignKey`, the only type ODCS v3.1 defines (the default).
    #[serde(rename = "type")]
    pub kind: Option<serde_yaml_ng::Value>,
    /// The referencing columns (schema-level relationships only).
    pub from: Option<serde_yaml_ng::Value>,
    /// The referenced columns.
    pub to: Option<serde_yaml_ng::Value>,
    /// Standard, not interpreted.
    pub custom_properties: Ignored,
}

/// One `servers[]` entry.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Server {
    /// Server name.
    pub server: Option<String>,
    /// `local`, `s3`, `gcs`, `azure` (others are refused).
    #[serde(rename = "type")]
    pub kind: String,
    /// File path (local servers), relative to the manifest's folder.
    pub path: Option<String>,
    /// URL (object-store servers).
    pub location: Option<String>,
    /// Endpoint of an S3-compatible server.
    pub endpoint_url: Option<String>,
    /// `parquet`, `csv`, `json` or `delta`.
    pub format: Option<String>,
    /// JSON only: `new_line` (the only one supported) or `array`.
    pub delimiter: Option<String>,
    /// Environment (`prod`, `dev`, ...).
    pub environment: Option<String>,
    /// Standard, not interpreted.
    pub id: Ignored,
    /// Standard, not interpreted.
    pub description: Ignored,
    /// Standard, not interpreted.
    pub roles: Ignored,
    /// Standard, not interpreted.
    pub custom_properties: Ignored,
}

/// One `roles[]` entry: a grant.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    /// Role name, as given to users in `meshgate.toml`.
    pub role: String,
    /// `read` or `write`.
    pub access: Option<String>,
    /// Why the role has access.
    pub description: Option<String>,
    /// Standard, not interpreted.
    pub id: Ignored,
    /// Standard, not interpreted.
    pub first_level_approvers: Ignored,
    /// Standard, not interpreted.
    pub second_level_approvers: Ignored,
    /// Standard, not interpreted.
    pub custom_properties: Ignored,
}

/// One `slaProperties[]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaProperty {
    /// Property name (`latency`, `retention`, ...).
    pub property: String,
    /// Value.
    pub value: Option<serde_yaml_ng::Value>,
    /// Unit (`d`, `h`, ...).
    pub unit: Option<String>,
    /// Element the property applies to.
    pub element: Option<String>,
    /// Standard, not interpreted.
    pub id: Ignored,
    /// Standard, not interpreted.
    pub value_ext: Ignored,
    /// Standard, not interpreted.
    pub driver: Ignored,
    /// Standard, not interpreted.
    pub description: Ignored,
    /// Standard, not interpreted.
    pub scheduler: Ignored,
    /// Standard, not interpreted.
    pub schedule: Ignored,
}

/// One `customProperties[]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomProperty {
    /// Property name (meshgate's start with `meshgate`).
    pub property: String,
    /// Value of any YAML shape.
    pub value: serde_yaml_ng::Value,
    /// Standard, not interpreted.
    pub id: Ignored,
    /// Standard, not interpreted.
    pub description: Ignored,
}
