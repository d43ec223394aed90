//! The policy decision point: one pure function decides every access to a
//! member's record from who is asking, what they want to do and how they
//! are related to the member. The store gathers the relationship facts,
//! asks here, and records the decision in the audit trail.

use serde::Serialize;

use crate::privacy::Category;
use crate::records::{Id, Persona, TeamRole};

/// The signed-in person making a request.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Actor {
    pub user_id: Id,
    pub username: String,
    pub persona: Persona,
    pub organization_id: Option<Id>,
    /// For a member: their own member record.
    pub member_id: Option<Id>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Read,
    Update,
    Create,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Update => "update",
            Action::Create => "create",
        }
    }
}

/// Facts about how an actor stands to one member, gathered by the store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Relationship {
    /// The actor's own member record.
    pub is_self: bool,
    /// The actor's current role on the member's care team, if any.
    pub team_role: Option<TeamRole>,
    /// The actor supervises a worker who is the member's peer.
    pub supervises_members_peer: bool,
    /// The member belongs to the actor's organization: enrolled in it as a
    /// plan, or served by one of its workers.
    pub in_actor_organization: bool,
    /// The member is enrolled in the actor's organization as their plan.
    pub in_actor_plan: bool,
    /// The member named the actor as someone they know socially.
    pub firewalled: bool,
    /// The actor opened emergency access to this member and it is running.
    pub break_glass: bool,
    /// The member's sharing choices that name the actor, their organization
    /// or their team role.
    pub choices: Vec<crate::privacy::SharingChoice>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Decision {
    Permit,
    Deny(&'static str),
}

impl Decision {
    pub fn is_permit(&self) -> bool {
        matches!(self, Decision::Permit)
    }
}

/// Whether `actor` may do `action` to a member they stand to as `rel`.
pub fn decide(actor: &Actor, action: Action, rel: &Relationship) -> Decision {
    use Decision::*;
    // Break-glass opens a record for reading only; the firewall still
    // refuses every change. The store opens emergency access only for the
    // personas the catalog lists, so a running one is permission enough.
    if rel.firewalled && !rel.is_self && !(rel.break_glass && action == Action::Read) {
        return Deny("the member asked that this person not see their record");
    }
    if rel.break_glass && action == Action::Read && !matches!(actor.persona, Persona::Member | Persona::PrivacyOfficer) {
        return Permit;
    }
    match (actor.persona, action) {
        (Persona::Member, Action::Read | Action::Update) if rel.is_self => Permit,
        (Persona::Member, _) => Deny("members see only their own record"),
        (Persona::PeerWorker, Action::Read) if rel.team_role == Some(TeamRole::Peer) => Permit,
        (Persona::PeerWorker, _) => Deny("peers see only the members on their caseload"),
        (Persona::Supervisor, Action::Read) if rel.supervises_members_peer || rel.team_role.is_some() => Permit,
        (Persona::Supervisor, _) => Deny("supervisors see only their supervisees' members"),
        (Persona::CareCoordinator, Action::Create) => Permit,
        (Persona::CareCoordinator, Action::Read | Action::Update) if rel.team_role.is_some() => Permit,
        (Persona::CareCoordinator, _) => Deny("care coordinators see only the members of teams they sit on"),
        (Persona::Clinician, Action::Read | Action::Update) if rel.team_role.is_some() => Permit,
        (Persona::Clinician, _) => Deny("clinicians see only the members of teams they sit on"),
        (Persona::OrganizationAdmin, Action::Create) => Permit,
        (Persona::OrganizationAdmin, _) if rel.in_actor_organization => Permit,
        (Persona::OrganizationAdmin, _) => Deny("organization admins see only their organization's members"),
        (Persona::StateAdmin, _) => Permit,
        (Persona::PrivacyOfficer, _) => Deny("privacy officers review the audit trail, not records"),
        // Reading only: coverage and authorizations are written through `may_record_billing`.
        (Persona::BillingOffice, Action::Read) if rel.in_actor_organization => Permit,
        (Persona::BillingOffice, _) => Deny("the billing office reads its organization's members and records only their billing"),
    }
}

/// Referrals are requests for help from people who may not yet be members
/// of any team. Any staff member may refer someone (no wrong door); the
/// people who reach out and enrol them work the queue: care coordinators,
/// organization admins and state admins. Members refer themselves through
/// the public page, which is decided by the store as an anonymous arrival.
pub fn decide_referrals(actor: &Actor, action: Action) -> Decision {
    match (actor.persona, action) {
        (Persona::Member | Persona::PrivacyOfficer, _) => Decision::Deny("referrals are made and worked by staff"),
        (Persona::CareCoordinator | Persona::OrganizationAdmin | Persona::StateAdmin, _) => Decision::Permit,
        (_, Action::Create) => Decision::Permit,
        (_, _) => Decision::Deny("care coordinators and program admins work the referral queue"),
    }
}

/// Only the member's own peer logs contacts with them; notes written by
/// anyone else would turn the peer record into a clinical one.
pub fn may_write_contact_note(actor: &Actor, rel: &Relationship) -> Decision {
    if actor.persona == Persona::PeerWorker && rel.team_role == Some(TeamRole::Peer) && !rel.firewalled {
        Decision::Permit
    } else {
        Decision::Deny("only the member's peer logs contacts with them")
    }
}

/// Coverage and authorizations are recorded by the people who bill: the
/// member's organization's admins (its billing office) and state admins.
pub fn may_record_billing(actor: &Actor, rel: &Relationship) -> Decision {
    match actor.persona {
        Persona::OrganizationAdmin | Persona::BillingOffice if rel.in_actor_organization => Decision::Permit,
        Persona::StateAdmin => Decision::Permit,
        _ => Decision::Deny("the billing office records coverage and authorizations"),
    }
}

/// Units are requested by the member's care coordinator or by the people who bill.
pub fn may_request_authorization(actor: &Actor, rel: &Relationship) -> Decision {
    match actor.persona {
        Persona::CareCoordinator if rel.team_role.is_some() && !rel.firewalled => Decision::Permit,
        _ => match may_record_billing(actor, rel) {
            Decision::Permit => Decision::Permit,
            Decision::Deny(_) => Decision::Deny("the care coordinator or the billing office requests authorizations"),
        },
    }
}

/// Claims for an organization's services are written, corrected and
/// reconciled by its admins and billing office, and by state admins.
pub fn may_bill_for(actor: &Actor, organization_id: &str) -> Decision {
    match actor.persona {
        Persona::StateAdmin => Decision::Permit,
        Persona::OrganizationAdmin | Persona::BillingOffice if actor.organization_id.as_deref() == Some(organization_id) => Decision::Permit,
        _ => Decision::Deny("the organization's billing office writes its claims"),
    }
}

/// Acute-care events arrive from plans and hospitals through the state:
/// only state admins (and the command line acting as one) load them, since
/// a file names members by MassHealth ID, whoever serves them.
pub fn may_import_events(actor: &Actor) -> Decision {
    match actor.persona {
        Persona::StateAdmin => Decision::Permit,
        _ => Decision::Deny("state admins load acute-care events"),
    }
}

/// Outcome measures are recomputed for everyone by state admins (the
/// nightly job): it reads every member's events and contacts for
/// health-care operations.
pub fn may_compute_measures(actor: &Actor) -> Decision {
    match actor.persona {
        Persona::StateAdmin => Decision::Permit,
        _ => Decision::Deny("state admins recompute outcome measures"),
    }
}

/// Which organization a measures report is limited to (`None`: the whole
/// state). State admins may ask for any; an organization's admins get their
/// own and no other; nobody else reads measures.
pub fn may_read_measures(actor: &Actor, asked: Option<&str>) -> Result<Option<String>, Decision> {
    match (actor.persona, &actor.organization_id) {
        (Persona::StateAdmin, _) => Ok(asked.map(String::from)),
        (Persona::OrganizationAdmin, Some(own)) if asked.is_none_or(|a| a == own) => Ok(Some(own.clone())),
        (Persona::OrganizationAdmin, Some(_)) => Err(Decision::Deny("an organization's admins read their own organization's measures")),
        _ => Err(Decision::Deny("state admins and organization admins read outcome measures")),
    }
}

/// A diagnosis on a claim is a disclosure to the payer for payment: HIPAA
/// permits it without the member's consent, but a substance-use diagnosis
/// (42 CFR Part 2) goes only under a Part 2 consent that covers payment to
/// that payer.
pub fn may_disclose_for_payment(category: Category, part2_consent_for_payer: bool) -> bool {
    category != Category::SubstanceUse || part2_consent_for_payer
}

/// Contracts are kept by state admins and by the funder's organization
/// admins: a plan writes its own network's contracts, no one else's.
pub fn may_keep_contract(actor: &Actor, funder_id: &str) -> Decision {
    match actor.persona {
        Persona::StateAdmin => Decision::Permit,
        Persona::OrganizationAdmin if actor.organization_id.as_deref() == Some(funder_id) => Decision::Permit,
        _ => Decision::Deny("state admins and the funder's organization admins keep contracts"),
    }
}

/// Contracts (budgets included) are read by state admins and by the admins
/// and billing office of either party; members see only the services promised.
pub fn sees_contract(actor: &Actor, funder_id: &str, organization_id: &str) -> bool {
    match actor.persona {
        Persona::StateAdmin => true,
        Persona::OrganizationAdmin | Persona::BillingOffice => {
            actor.organization_id.as_deref().is_some_and(|o| o == funder_id || o == organization_id)
        }
        _ => false,
    }
}

/// Whether the persona reads contracts at all (the navigation's test).
pub fn keeps_contracts(p: Persona) -> bool {
    matches!(p, Persona::BillingOffice | Persona::OrganizationAdmin | Persona::StateAdmin)
}

/// Whether the persona works coverage, authorizations and the needs-authorization queue.
pub fn keeps_billing(p: Persona) -> bool {
    matches!(p, Persona::BillingOffice | Persona::OrganizationAdmin | Persona::StateAdmin)
}

/// Members write their own goals: nobody else writes or changes them, so
/// they stay in the member's words.
pub fn may_write_goal(actor: &Actor, rel: &Relationship) -> Decision {
    if actor.persona == Persona::Member && rel.is_self {
        Decision::Permit
    } else {
        Decision::Deny("members write their own recovery goals")
    }
}

/// The member and their peer record progress; the care team reads it.
pub fn may_record_progress(actor: &Actor, rel: &Relationship) -> Decision {
    if rel.firewalled && !rel.is_self {
        return Decision::Deny("the member asked that this person not see their record");
    }
    match actor.persona {
        Persona::Member if rel.is_self => Decision::Permit,
        Persona::PeerWorker if rel.team_role == Some(TeamRole::Peer) => Decision::Permit,
        _ => Decision::Deny("the member and their peer record progress on recovery goals"),
    }
}

/// Who may end a member's relationship with their peer: the member, the
/// peer themselves, and whoever may change the member's record (their care
/// coordinator, their organization's admin, a state admin). Nobody needs to
/// give a reason.
pub fn may_end_peer(actor: &Actor, rel: &Relationship) -> Decision {
    if rel.firewalled && !rel.is_self {
        return Decision::Deny("the member asked that this person not see their record");
    }
    if actor.persona == Persona::PeerWorker && rel.team_role == Some(TeamRole::Peer) {
        return Decision::Permit;
    }
    decide(actor, Action::Update, rel)
}

/// Who records and ends a member's diagnoses: the care coordinators and
/// clinicians on the member's team, the admin of the member's organization
/// and state admins. Members and peers do not: a diagnosis is a clinical
/// statement a claim relies on.
pub fn may_record_diagnosis(actor: &Actor, rel: &Relationship) -> Decision {
    match actor.persona {
        Persona::CareCoordinator | Persona::Clinician | Persona::OrganizationAdmin | Persona::StateAdmin => decide(actor, Action::Update, rel),
        _ => Decision::Deny("care coordinators, clinicians and admins record diagnoses"),
    }
}

/// Batch assignment of a waiting list to peers is an operation of the
/// program: state admins run it for the state, organization admins for the
/// peers their organization employs. Each run is audited.
pub fn may_run_batch(actor: &Actor) -> Decision {
    match actor.persona {
        Persona::StateAdmin => Decision::Permit,
        Persona::OrganizationAdmin if actor.organization_id.is_some() => Decision::Permit,
        _ => Decision::Deny("only program admins (organization or state) run batch assignment"),
    }
}

/// Whether `actor` may issue a one-time enrolment code that links an
/// account to the member's record: only the member's own care coordinator,
/// who knows the person and can hand it over or send it to contact details
/// already on the record.
pub fn may_issue_enrolment_code(actor: &Actor, rel: &Relationship) -> Decision {
    if actor.persona == Persona::CareCoordinator && rel.team_role == Some(TeamRole::CareCoordinator) && !rel.firewalled {
        Decision::Permit
    } else {
        Decision::Deny("only the member's care coordinator issues enrolment codes")
    }
}

/// The team roles a persona may hold: a role says what the person does, so
/// it must fit who they are.
pub fn role_fits(persona: Persona, role: TeamRole) -> bool {
    match role {
        TeamRole::Peer => persona == Persona::PeerWorker,
        TeamRole::CareCoordinator => persona == Persona::CareCoordinator,
        TeamRole::Clinician | TeamRole::PrimaryCare => persona == Persona::Clinician,
        TeamRole::Supervisor => persona == Persona::Supervisor,
        TeamRole::Other => matches!(persona, Persona::PeerWorker | Persona::Supervisor | Persona::CareCoordinator | Persona::Clinician),
    }
}

/// Whether `actor` may put someone (a `target` of persona `target_persona`)
/// on a member's care team in `role`. Nobody adds themselves: a person who
/// wants to join asks, and the member or their plan decides. Peers come
/// only by the member's own choice.
pub fn may_give_team_role(actor: &Actor, rel: &Relationship, role: TeamRole, target_user_id: &str, target_persona: Persona) -> Decision {
    use Decision::Deny;
    if rel.firewalled && !rel.is_self {
        return Deny("the member asked that this person not see their record");
    }
    if target_user_id == actor.user_id {
        return Deny("nobody adds themselves to a care team; ask to join instead");
    }
    if role == TeamRole::Peer {
        return Deny("members choose their peer themselves");
    }
    if !role_fits(target_persona, role) {
        return Deny("this person cannot take that role on the team");
    }
    match actor.persona {
        Persona::Member if rel.is_self => Decision::Permit,
        Persona::CareCoordinator if rel.team_role == Some(TeamRole::CareCoordinator) => Decision::Permit,
        Persona::OrganizationAdmin if rel.in_actor_plan => Decision::Permit,
        _ => Deny("only the member, their care coordinator or their plan's admin change the care team"),
    }
}

/// Which role a persona may ask for when asking to join a member's team.
pub fn may_ask_to_join(actor: &Actor, role: TeamRole) -> Decision {
    if role_fits(actor.persona, role) && matches!(actor.persona, Persona::CareCoordinator | Persona::Clinician) {
        Decision::Permit
    } else {
        Decision::Deny("care coordinators and clinicians ask to join a team, in their own role")
    }
}

/// Who answers a request to join a member's team: the member, or the admin
/// of the plan the member is enrolled in.
pub fn may_answer_join_request(actor: &Actor, rel: &Relationship) -> Decision {
    match actor.persona {
        Persona::Member if rel.is_self => Decision::Permit,
        Persona::OrganizationAdmin if rel.in_actor_plan && !rel.firewalled => Decision::Permit,
        _ => Decision::Deny("the member or their plan's admin answers requests to join the team"),
    }
}

/// Which members a list may contain for an actor: the same rule as
/// [`decide`] for `Read`, in a form the store can turn into a query. Every
/// scope but `Only` also leaves out members who firewalled the actor; a
/// break-glass access opens one record, never a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListScope {
    Everyone,
    Only(Id),
    /// Members of care teams the user sits on in one of these roles (any role if empty).
    TeamsOf {
        user_id: Id,
        roles: Vec<TeamRole>,
    },
    /// Members on teams the user sits on, or whose peer the user supervises.
    SupervisedBy(Id),
    Organization(Id),
    Nobody,
}

pub fn list_scope(actor: &Actor) -> ListScope {
    match actor.persona {
        Persona::Member => actor.member_id.clone().map_or(ListScope::Nobody, ListScope::Only),
        Persona::PeerWorker => ListScope::TeamsOf { user_id: actor.user_id.clone(), roles: vec![TeamRole::Peer] },
        Persona::Supervisor => ListScope::SupervisedBy(actor.user_id.clone()),
        Persona::CareCoordinator | Persona::Clinician => ListScope::TeamsOf { user_id: actor.user_id.clone(), roles: vec![] },
        Persona::OrganizationAdmin | Persona::BillingOffice => actor.organization_id.clone().map_or(ListScope::Nobody, ListScope::Organization),
        Persona::StateAdmin => ListScope::Everyone,
        Persona::PrivacyOfficer => ListScope::Nobody,
    }
}

/// Whether a member stood to as `rel` is inside `scope`; used by tests to
/// prove that lists and single reads agree.
pub fn scope_contains(scope: &ListScope, rel: &Relationship) -> bool {
    if rel.firewalled && !rel.is_self {
        return false;
    }
    match scope {
        ListScope::Everyone => true,
        ListScope::Only(_) => rel.is_self,
        ListScope::TeamsOf { roles, .. } => rel.team_role.is_some_and(|r| roles.is_empty() || roles.contains(&r)),
        ListScope::SupervisedBy(_) => rel.supervises_members_peer || rel.team_role.is_some(),
        ListScope::Organization(_) => rel.in_actor_organization,
        ListScope::Nobody => false,
    }
}

/// Workforce records (organizations and workers) are not member data, but
/// their changes are still decided here: staff read them, admins keep them.
pub fn decide_workforce(actor: &Actor, action: Action, organization_id: Option<&str>) -> Decision {
    match (actor.persona, action) {
        (Persona::StateAdmin, _) => Decision::Permit,
        (Persona::OrganizationAdmin, Action::Read) => Decision::Permit,
        (Persona::OrganizationAdmin, _) if organization_id.is_some() && organization_id == actor.organization_id.as_deref() => Decision::Permit,
        (Persona::OrganizationAdmin, _) => Decision::Deny("organization admins change only their own organization"),
        // Worker records hold statements a worker keeps private; members see
        // workers only through views built for them.
        (Persona::Member, _) => Decision::Deny("members see workers through the pages made for choosing a peer"),
        (_, Action::Read) => Decision::Permit,
        (_, _) => Decision::Deny("only organization and state admins change workforce records"),
    }
}

/// Whether `actor` may see everything a worker wrote about themselves,
/// including statements kept private or used only for matching: the worker,
/// their organization's admin, and state admins. Everyone else sees only
/// what the worker chose to show members.
pub fn sees_worker_in_full(actor: &Actor, employer_id: &str, worker_user_id: Option<&str>) -> bool {
    match actor.persona {
        Persona::StateAdmin => true,
        Persona::OrganizationAdmin => actor.organization_id.as_deref() == Some(employer_id),
        _ => worker_user_id == Some(actor.user_id.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn persona() -> impl Strategy<Value = Persona> {
        prop::sample::select(Persona::ALL.to_vec())
    }

    fn relationship() -> impl Strategy<Value = Relationship> {
        (any::<[bool; 6]>(), prop::option::of(prop::sample::select(TeamRole::ALL.to_vec()))).prop_map(|(b, team_role)| Relationship {
            is_self: b[0],
            team_role,
            supervises_members_peer: b[1],
            in_actor_organization: b[2] || b[5],
            in_actor_plan: b[5],
            firewalled: b[3],
            break_glass: b[4],
            choices: vec![],
        })
    }

    fn actor(persona: Persona) -> Actor {
        Actor {
            user_id: "u".into(),
            username: "u".into(),
            persona,
            organization_id: Some("o".into()),
            member_id: (persona == Persona::Member).then(|| "m".into()),
        }
    }

    proptest! {
        /// A list shows exactly the members a single read would permit
        /// (break-glass opens single records only).
        #[test]
        fn lists_agree_with_reads(p in persona(), mut rel in relationship()) {
            rel.break_glass = false;
            let a = actor(p);
            prop_assert_eq!(scope_contains(&list_scope(&a), &rel), decide(&a, Action::Read, &rel).is_permit());
        }

        /// A firewalled person is refused everything, whoever they are,
        /// unless they opened emergency access.
        #[test]
        fn the_firewall_holds(p in persona(), mut rel in relationship(), a in any::<bool>()) {
            rel.firewalled = true;
            rel.is_self = false;
            let action = if a { Action::Read } else { Action::Update };
            let permitted = decide(&actor(p), action, &rel).is_permit();
            let treats = !matches!(p, Persona::Member | Persona::PrivacyOfficer);
            prop_assert_eq!(permitted, rel.break_glass && action == Action::Read && treats);
        }

        /// Nobody but a state admin reaches a member they have no tie to.
        #[test]
        fn strangers_see_nothing(p in persona(), a in any::<bool>()) {
            let rel = Relationship::default();
            let action = if a { Action::Read } else { Action::Update };
            prop_assert_eq!(decide(&actor(p), action, &rel).is_permit(), p == Persona::StateAdmin);
        }
    }

    #[test]
    fn either_side_ends_a_peer_relationship_and_only_admins_run_batches() {
        let peer_rel = Relationship { team_role: Some(TeamRole::Peer), ..Default::default() };
        assert!(may_end_peer(&actor(Persona::PeerWorker), &peer_rel).is_permit());
        assert!(!may_end_peer(&actor(Persona::PeerWorker), &Relationship::default()).is_permit());
        let me = Relationship { is_self: true, ..Default::default() };
        assert!(may_end_peer(&actor(Persona::Member), &me).is_permit());
        assert!(!may_end_peer(&actor(Persona::Member), &Relationship::default()).is_permit());
        let walled = Relationship { firewalled: true, team_role: Some(TeamRole::Peer), ..Default::default() };
        assert!(!may_end_peer(&actor(Persona::PeerWorker), &walled).is_permit());
        for p in Persona::ALL {
            let allowed = matches!(p, Persona::StateAdmin | Persona::OrganizationAdmin);
            assert_eq!(may_run_batch(&actor(p)).is_permit(), allowed, "{p:?}");
        }
    }

    proptest! {
        /// Nobody puts themselves on a team, peers come only by choice, and
        /// a role always fits the person who holds it.
        #[test]
        fn team_changes_are_decided_by_policy(
            p in persona(),
            target in persona(),
            role in prop::sample::select(TeamRole::ALL.to_vec()),
            rel in relationship(),
            own in any::<bool>(),
        ) {
            let a = actor(p);
            let target_id = if own { a.user_id.clone() } else { "t".to_string() };
            let d = may_give_team_role(&a, &rel, role, &target_id, target).is_permit();
            if d {
                prop_assert!(!own && role != TeamRole::Peer && role_fits(target, role));
                prop_assert!(!rel.firewalled || rel.is_self);
                let giver = (p == Persona::Member && rel.is_self)
                    || (p == Persona::CareCoordinator && rel.team_role == Some(TeamRole::CareCoordinator))
                    || (p == Persona::OrganizationAdmin && rel.in_actor_plan);
                prop_assert!(giver, "{p:?} gave {role:?}");
            }
            prop_assert!(p != Persona::StateAdmin || !d, "state admins do not assemble care teams");
        }
    }

    #[test]
    fn only_the_members_coordinator_issues_codes_and_only_member_or_plan_answers_requests() {
        let on_team = Relationship { team_role: Some(TeamRole::CareCoordinator), ..Default::default() };
        assert!(may_issue_enrolment_code(&actor(Persona::CareCoordinator), &on_team).is_permit());
        for p in Persona::ALL.into_iter().filter(|p| *p != Persona::CareCoordinator) {
            assert!(!may_issue_enrolment_code(&actor(p), &on_team).is_permit(), "{p:?}");
        }
        assert!(!may_issue_enrolment_code(&actor(Persona::CareCoordinator), &Relationship::default()).is_permit());
        let me = Relationship { is_self: true, ..Default::default() };
        assert!(may_answer_join_request(&actor(Persona::Member), &me).is_permit());
        let plan = Relationship { in_actor_plan: true, in_actor_organization: true, ..Default::default() };
        assert!(may_answer_join_request(&actor(Persona::OrganizationAdmin), &plan).is_permit());
        let served = Relationship { in_actor_organization: true, ..Default::default() };
        assert!(!may_answer_join_request(&actor(Persona::OrganizationAdmin), &served).is_permit(), "employing the peer is not being the plan");
        assert!(!may_answer_join_request(&actor(Persona::StateAdmin), &plan).is_permit());
        assert!(may_ask_to_join(&actor(Persona::Clinician), TeamRole::Clinician).is_permit());
        assert!(!may_ask_to_join(&actor(Persona::Clinician), TeamRole::CareCoordinator).is_permit());
        assert!(!may_ask_to_join(&actor(Persona::StateAdmin), TeamRole::Other).is_permit());
        assert!(!may_ask_to_join(&actor(Persona::PeerWorker), TeamRole::Peer).is_permit(), "peers come by the member's choice");
    }

    #[test]
    fn peers_read_but_do_not_edit_their_members() {
        let rel = Relationship { team_role: Some(TeamRole::Peer), ..Default::default() };
        let a = actor(Persona::PeerWorker);
        assert!(decide(&a, Action::Read, &rel).is_permit());
        assert!(!decide(&a, Action::Update, &rel).is_permit());
        let coordinator_on_team = Relationship { team_role: Some(TeamRole::CareCoordinator), ..Default::default() };
        assert!(!decide(&a, Action::Read, &coordinator_on_team).is_permit());
    }
}

/// Whether `actor` may see a worker's credentials, training, supervision
/// notes and compliance: the worker, their supervisor, their organization's
/// admin and state admins.
pub fn sees_worker_development(actor: &Actor, employer_id: &str, worker_user_id: Option<&str>, supervisor_user_id: Option<&str>) -> bool {
    sees_worker_in_full(actor, employer_id, worker_user_id)
        || (actor.persona == Persona::Supervisor && supervisor_user_id == Some(actor.user_id.as_str()))
}

/// Whether `actor` may record a supervision session for a worker: the
/// worker's supervisor, their organization's admin and state admins.
pub fn may_record_supervision(actor: &Actor, employer_id: &str, supervisor_user_id: Option<&str>) -> bool {
    match actor.persona {
        Persona::StateAdmin => true,
        Persona::OrganizationAdmin => actor.organization_id.as_deref() == Some(employer_id),
        Persona::Supervisor => supervisor_user_id == Some(actor.user_id.as_str()),
        _ => false,
    }
}

#[cfg(test)]
mod workforce_tests {
    use super::*;

    fn actor(persona: Persona, user: &str, org: &str) -> Actor {
        Actor { user_id: user.into(), username: user.into(), persona, organization_id: Some(org.into()), member_id: None }
    }

    #[test]
    fn supervisors_see_and_record_only_for_their_supervisees() {
        let s = actor(Persona::Supervisor, "sup", "o");
        assert!(sees_worker_development(&s, "other-org", Some("w"), Some("sup")));
        assert!(!sees_worker_development(&s, "o", Some("w"), Some("someone-else")));
        assert!(may_record_supervision(&s, "other-org", Some("sup")));
        assert!(!may_record_supervision(&s, "o", Some("someone-else")));
        let peer = actor(Persona::PeerWorker, "w", "o");
        assert!(sees_worker_development(&peer, "o", Some("w"), Some("sup")));
        assert!(!sees_worker_development(&peer, "o", Some("v"), Some("sup")));
        assert!(!may_record_supervision(&peer, "o", Some("w")));
        let admin = actor(Persona::OrganizationAdmin, "a", "o");
        assert!(sees_worker_development(&admin, "o", None, None) && !sees_worker_development(&admin, "p", None, None));
        let member = actor(Persona::Member, "m", "o");
        assert!(!sees_worker_development(&member, "o", None, None));
    }
}

// --- What the pages offer each persona ------------------------------------------
//
// The store refuses what a person may not do; these decide what the pages
// show them in the first place: links, forms and buttons.

/// Work the referral queue: enrol, contact and close referrals.
pub fn may_work_referral_queue(p: Persona) -> bool {
    matches!(p, Persona::CareCoordinator | Persona::OrganizationAdmin | Persona::StateAdmin)
}

/// Refer someone without working the queue.
pub fn may_refer(p: Persona) -> bool {
    matches!(p, Persona::PeerWorker | Persona::Supervisor)
}

/// Create member records.
pub fn may_create_members(p: Persona) -> bool {
    matches!(p, Persona::CareCoordinator | Persona::OrganizationAdmin | Persona::StateAdmin)
}

/// Starting member records is part of the daily work (a link of its own).
pub fn starts_member_records(p: Persona) -> bool {
    p == Persona::CareCoordinator
}

/// Edit a member record (outside emergency access).
pub fn may_edit_member_record(p: Persona) -> bool {
    matches!(p, Persona::Member | Persona::CareCoordinator | Persona::OrganizationAdmin | Persona::StateAdmin)
}

/// Log contacts from the member page.
pub fn logs_contacts(p: Persona) -> bool {
    p == Persona::PeerWorker
}

/// Give a member an enrolment code (outside emergency access).
pub fn may_issue_enrolment_codes(p: Persona) -> bool {
    p == Persona::CareCoordinator
}

/// Ask to join the team of a record found when enrolling a referral.
pub fn joins_team_on_enrolment(p: Persona) -> bool {
    p == Persona::CareCoordinator
}

/// The workforce pages: everyone who works.
pub fn sees_workforce(p: Persona) -> bool {
    !matches!(p, Persona::Member | Persona::PrivacyOfficer | Persona::BillingOffice)
}

/// Workforce reports across workers: compliance, the workforce picture,
/// positions and pay, and the matching program.
pub fn sees_workforce_reports(p: Persona) -> bool {
    matches!(p, Persona::OrganizationAdmin | Persona::StateAdmin)
}

/// Reports across every organization rather than one's own.
pub fn sees_every_organization(p: Persona) -> bool {
    p == Persona::StateAdmin
}

/// Supervises workers: the supervision page.
pub fn supervises(p: Persona) -> bool {
    p == Persona::Supervisor
}

/// Open the form for a supervision session.
pub fn may_record_supervision_sessions(p: Persona) -> bool {
    matches!(p, Persona::Supervisor | Persona::OrganizationAdmin | Persona::StateAdmin)
}

/// Open the form for a worker's credential.
pub fn may_record_credentials(p: Persona) -> bool {
    matches!(p, Persona::OrganizationAdmin | Persona::StateAdmin)
}

/// A worker page offers recording supervision: state admins, the
/// employer's admins, and a supervisor for someone else, once the worker has
/// a supervisor.
pub fn offers_supervision_form(actor: &Actor, employer_id: &str, worker_user_id: Option<&str>, has_supervisor: bool) -> bool {
    has_supervisor
        && match actor.persona {
            Persona::StateAdmin => true,
            Persona::OrganizationAdmin => actor.organization_id.as_deref() == Some(employer_id),
            Persona::Supervisor => worker_user_id != Some(actor.user_id.as_str()),
            _ => false,
        }
}

/// A worker page offers recording a credential: state admins and the employer's admins.
pub fn offers_credential_form(actor: &Actor, employer_id: &str) -> bool {
    match actor.persona {
        Persona::StateAdmin => true,
        Persona::OrganizationAdmin => actor.organization_id.as_deref() == Some(employer_id),
        _ => false,
    }
}

/// Keeps weekly hours others book into.
pub fn keeps_hours(p: Persona) -> bool {
    p == Persona::PeerWorker
}

/// Books one-to-one sessions, joins groups and says how to be reached.
pub fn books_sessions(p: Persona) -> bool {
    matches!(p, Persona::Member | Persona::PeerWorker)
}

/// Chooses their own peer and sets what each person on their team sees.
pub fn chooses_own_peer(p: Persona) -> bool {
    p == Persona::Member
}

/// The privacy office: audit search and emergency access alerts.
pub fn sees_privacy_office(p: Persona) -> bool {
    p == Persona::PrivacyOfficer
}

/// A caseload of their own, which is their list of members.
pub fn has_caseload(p: Persona) -> bool {
    p == Persona::PeerWorker
}

/// The list of members the person may read, other than a caseload.
pub fn sees_member_list(p: Persona) -> bool {
    matches!(
        p,
        Persona::Supervisor
            | Persona::CareCoordinator
            | Persona::Clinician
            | Persona::OrganizationAdmin
            | Persona::StateAdmin
            | Persona::BillingOffice
    )
}

/// The list of workers.
pub fn sees_workers(p: Persona) -> bool {
    matches!(p, Persona::Supervisor | Persona::OrganizationAdmin | Persona::StateAdmin)
}

/// The list of organizations.
pub fn sees_organizations(p: Persona) -> bool {
    matches!(p, Persona::OrganizationAdmin | Persona::StateAdmin)
}

/// The program's waiting list and batch matching.
pub fn runs_matching(p: Persona) -> bool {
    matches!(p, Persona::OrganizationAdmin | Persona::StateAdmin)
}

/// Emergency access is offered (in the navigation and on its form) to the
/// personas the catalog lets open it.
pub fn offers_emergency_access(p: Persona, defaults: &crate::privacy::PrivacyDefaults) -> bool {
    crate::privacy::may_break_glass(p, defaults)
}

#[cfg(test)]
mod page_tests {
    use super::*;

    fn who(rule: fn(Persona) -> bool) -> Vec<Persona> {
        Persona::ALL.into_iter().filter(|p| rule(*p)).collect()
    }

    #[test]
    fn referrals_are_worked_by_coordinators_and_admins_and_made_by_peers_and_supervisors() {
        use Persona::*;
        assert_eq!(who(may_work_referral_queue), vec![CareCoordinator, OrganizationAdmin, StateAdmin]);
        assert_eq!(who(may_refer), vec![PeerWorker, Supervisor]);
        assert!(Persona::ALL.iter().all(|p| !(may_work_referral_queue(*p) && may_refer(*p))));
    }

    #[test]
    fn emergency_access_is_offered_to_clinicians_by_default_and_follows_the_catalog() {
        let mut d = crate::Catalog::massachusetts().expect("the shipped catalog loads").privacy;
        assert_eq!(Persona::ALL.into_iter().filter(|p| offers_emergency_access(*p, &d)).collect::<Vec<_>>(), vec![Persona::Clinician]);
        d.break_glass_personas = vec![];
        assert!(Persona::ALL.iter().all(|p| !offers_emergency_access(*p, &d)));
    }

    #[test]
    fn member_records_are_created_by_coordinators_and_admins() {
        use Persona::*;
        assert_eq!(who(may_create_members), vec![CareCoordinator, OrganizationAdmin, StateAdmin]);
        assert_eq!(who(starts_member_records), vec![CareCoordinator]);
        assert!(who(starts_member_records).into_iter().all(may_create_members));
        assert_eq!(who(may_edit_member_record), vec![Member, CareCoordinator, OrganizationAdmin, StateAdmin]);
        assert_eq!(who(logs_contacts), vec![PeerWorker]);
        assert_eq!(who(may_issue_enrolment_codes), vec![CareCoordinator]);
    }

    #[test]
    fn workforce_is_for_everyone_who_works() {
        use Persona::*;
        assert_eq!(who(sees_workforce), vec![PeerWorker, Supervisor, CareCoordinator, Clinician, OrganizationAdmin, StateAdmin]);
        assert_eq!(who(sees_workforce_reports), vec![OrganizationAdmin, StateAdmin]);
        assert_eq!(who(may_record_supervision_sessions), vec![Supervisor, OrganizationAdmin, StateAdmin]);
        assert_eq!(who(may_record_credentials), vec![OrganizationAdmin, StateAdmin]);
        assert_eq!(who(sees_every_organization), vec![StateAdmin]);
    }

    #[test]
    fn booking_is_for_members_and_peers() {
        use Persona::*;
        assert_eq!(who(books_sessions), vec![Member, PeerWorker]);
        assert_eq!(who(keeps_hours), vec![PeerWorker]);
        assert_eq!(who(chooses_own_peer), vec![Member]);
    }

    #[test]
    fn lists_follow_the_persona() {
        use Persona::*;
        assert_eq!(who(has_caseload), vec![PeerWorker]);
        assert!(Persona::ALL.iter().all(|p| !(has_caseload(*p) && sees_member_list(*p))));
        assert!(!sees_member_list(Member) && !sees_member_list(PrivacyOfficer));
        assert_eq!(who(sees_workers), vec![Supervisor, OrganizationAdmin, StateAdmin]);
        assert_eq!(who(sees_organizations), vec![OrganizationAdmin, StateAdmin]);
        assert_eq!(who(runs_matching), vec![OrganizationAdmin, StateAdmin]);
        assert_eq!(who(sees_privacy_office), vec![PrivacyOfficer]);
    }

    #[test]
    fn worker_page_forms_follow_the_employer() {
        let actor = |p: Persona, org: &str| Actor {
            user_id: "me".into(),
            username: "me".into(),
            persona: p,
            organization_id: Some(org.into()),
            member_id: None,
        };
        assert!(offers_credential_form(&actor(Persona::StateAdmin, "x"), "o"));
        assert!(offers_credential_form(&actor(Persona::OrganizationAdmin, "o"), "o"));
        assert!(!offers_credential_form(&actor(Persona::OrganizationAdmin, "p"), "o"));
        assert!(!offers_credential_form(&actor(Persona::Supervisor, "o"), "o"));
        assert!(offers_supervision_form(&actor(Persona::Supervisor, "o"), "o", Some("w"), true));
        assert!(!offers_supervision_form(&actor(Persona::Supervisor, "o"), "o", Some("me"), true));
        assert!(!offers_supervision_form(&actor(Persona::StateAdmin, "o"), "o", Some("w"), false));
        assert!(!offers_supervision_form(&actor(Persona::PeerWorker, "o"), "o", Some("w"), true));
    }
}
