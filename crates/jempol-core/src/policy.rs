//! Who may do what: one table, role × action. Handlers and the CLI ask `allowed`; nothing
//! else decides. Row scope (which residents a role sees) is `Scope`'s job, not this table's.

use crate::role::Role;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read the SOP sheet.
    ViewSop,
    /// Load a revised SOP definition.
    ManageSop,
    /// Create, disable users; set passwords; issue tokens for others.
    ManageUsers,
    /// Import region codes, change deployment settings.
    ManageMasterData,
    /// Browse the audit log.
    ViewAudit,
    /// See resident records within the role's scope.
    ViewResidents,
    /// See a resident's whole NIK (others see it masked, e.g. `351902********01`).
    ViewFullNik,
    /// Correct a resident's record: needs for the visit, guardian, consent.
    EditResidents,
    /// Step 1: a village sends its list.
    SubmitResidents,
    /// Step 2: kecamatan staff verify submissions.
    VerifySubmissions,
    /// Step 3: the coordination meeting.
    ManageMeetings,
    /// See campaigns (gelombang), their teams and schedules.
    ViewCampaigns,
    /// Step 4: run campaigns: residents, teams, the home-visit schedule; the Kasi's approval.
    PlanSchedule,
    /// Step 4: the Camat approves the schedule.
    ApproveSchedule,
    /// Step 5: record the outcome of a home visit.
    RecordVisits,
    /// Step 6: see the production queue and where each card is.
    ViewProduction,
    /// Step 6: card production.
    UpdateProduction,
    /// Step 7: hand printed cards to the kecamatan.
    HandoverToKecamatan,
    /// Step 8: hand cards on to the village.
    HandoverToDesa,
    /// Step 8: the village confirms it received the cards / the resident got theirs.
    ConfirmReceipt,
    /// Steps 9–12: see the assistance worklists, proposals and results of the role's scope.
    ViewAssistance,
    /// Step 9: edit the catalogue of assistance programs.
    ManagePrograms,
    /// Step 9: record which assistance each person receives.
    CoordinateAssistance,
    /// Step 10: propose a person to a program or into DTSEN.
    ProposeAssistance,
    /// Step 11: record the result of a proposal.
    EvaluateProposals,
    /// Step 12: record facilitation of a recipient.
    FacilitateRecipients,
    /// Stop a step's clock for a cause outside the office, and restart it.
    PauseSteps,
    /// The Camat's one page.
    ViewDashboard,
    /// Monthly reports and roll-ups.
    ViewReports,
}

impl Action {
    pub const ALL: [Action; 29] = [
        Action::ViewSop,
        Action::ManageSop,
        Action::ManageUsers,
        Action::ManageMasterData,
        Action::ViewAudit,
        Action::ViewResidents,
        Action::ViewFullNik,
        Action::EditResidents,
        Action::SubmitResidents,
        Action::VerifySubmissions,
        Action::ManageMeetings,
        Action::ViewCampaigns,
        Action::PlanSchedule,
        Action::ApproveSchedule,
        Action::RecordVisits,
        Action::ViewProduction,
        Action::UpdateProduction,
        Action::HandoverToKecamatan,
        Action::HandoverToDesa,
        Action::ConfirmReceipt,
        Action::ViewAssistance,
        Action::ManagePrograms,
        Action::CoordinateAssistance,
        Action::ProposeAssistance,
        Action::EvaluateProposals,
        Action::FacilitateRecipients,
        Action::PauseSteps,
        Action::ViewDashboard,
        Action::ViewReports,
    ];
}

/// The policy table. Each arm lists the roles allowed; everyone else is denied.
pub fn allowed(role: Role, action: Action) -> bool {
    use Action as A;
    use Role as R;
    let roles: &[Role] = match action {
        A::ViewSop => &Role::ALL,
        A::ManageSop | A::ManageUsers | A::ManageMasterData => &[R::Admin],
        A::ViewAudit => &[R::Admin, R::Camat],
        // Social services work from the assistance pages, which carry only what they need.
        A::ViewResidents => &[
            R::Camat,
            R::KasiPelayanan,
            R::Petugas,
            R::OperatorDesa,
            R::Dispendukcapil,
            R::Pendamping,
        ],
        // Whoever must match a person against SIAK, DTSEN or a family card; the Camat's
        // oversight works with masked numbers.
        A::ViewFullNik => &[
            R::KasiPelayanan,
            R::Petugas,
            R::OperatorDesa,
            R::Dispendukcapil,
            R::Dinsos,
            R::Pendamping,
        ],
        A::EditResidents => &[R::KasiPelayanan, R::Petugas, R::OperatorDesa],
        A::SubmitResidents => &[R::OperatorDesa],
        A::VerifySubmissions => &[R::KasiPelayanan, R::Petugas],
        A::ManageMeetings => &[R::KasiPelayanan, R::Petugas],
        // Staff and the Dispendukcapil operators form the teams and go on the visits.
        A::ViewCampaigns => &[R::Camat, R::KasiPelayanan, R::Petugas, R::Dispendukcapil],
        A::PlanSchedule => &[R::KasiPelayanan],
        A::ApproveSchedule => &[R::Camat],
        A::RecordVisits => &[R::Petugas, R::Dispendukcapil],
        A::ViewProduction => &[R::Camat, R::KasiPelayanan, R::Petugas, R::Dispendukcapil],
        A::UpdateProduction => &[R::Dispendukcapil],
        A::HandoverToKecamatan => &[R::Dispendukcapil],
        A::HandoverToDesa => &[R::Petugas],
        A::ConfirmReceipt => &[R::OperatorDesa],
        A::ViewAssistance => &[
            R::Camat,
            R::KasiPelayanan,
            R::Petugas,
            R::OperatorDesa,
            R::Dinsos,
            R::Pendamping,
        ],
        A::ManagePrograms => &[R::KasiPelayanan, R::Dinsos],
        A::CoordinateAssistance => &[R::KasiPelayanan, R::Petugas, R::OperatorDesa, R::Dinsos],
        A::ProposeAssistance => &[R::Petugas, R::OperatorDesa, R::Pendamping],
        A::EvaluateProposals => &[R::KasiPelayanan, R::Dinsos],
        A::FacilitateRecipients => &[R::Petugas, R::OperatorDesa, R::Pendamping],
        A::PauseSteps => &[R::KasiPelayanan, R::Dispendukcapil],
        A::ViewDashboard => &[R::Camat, R::KasiPelayanan],
        A::ViewReports => &[R::Camat, R::KasiPelayanan, R::Dispendukcapil, R::Dinsos],
    };
    roles.contains(&role)
}

/// What a user must be allowed to do to work on a unit of an SOP step (by the step's key):
/// the pages of that step. A lane can hold roles that do different parts of the work (the
/// SOP's "Dinas" lane is both Dispendukcapil and Dinsos/Kesra): a role's own work is the steps
/// of its lanes that it can also act on. `None` for a key the application does not know (a
/// step added by a revision), which then counts by lane alone.
pub fn step_actions(key: &str) -> Option<&'static [Action]> {
    use Action as A;
    Some(match key {
        "pengumpulan_desa" => &[A::SubmitResidents],
        "pengumpulan_kecamatan" => &[A::VerifySubmissions],
        "rapat_koordinasi" => &[A::ManageMeetings, A::ViewCampaigns],
        "penjadwalan" => &[A::PlanSchedule, A::ApproveSchedule],
        "perekaman" => &[A::RecordVisits],
        "pencetakan" => &[A::UpdateProduction],
        // Dispendukcapil hands over; kecamatan staff check what arrived.
        "serah_kecamatan" => &[A::HandoverToKecamatan, A::HandoverToDesa],
        "serah_desa" => &[A::HandoverToDesa, A::ConfirmReceipt],
        "koordinasi_bansos" => &[A::CoordinateAssistance],
        "pengusulan" => &[A::ProposeAssistance],
        "evaluasi_usulan" => &[A::EvaluateProposals],
        "fasilitasi_penerima" => &[A::FacilitateRecipients],
        _ => return None,
    })
}

/// Whether `role` works on units of the step with this key (see [`step_actions`]).
pub fn works_on_step(role: Role, key: &str) -> bool {
    step_actions(key).is_none_or(|actions| actions.iter().any(|a| allowed(role, *a)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected table, written out independently of `allowed`: one row per action, one
    /// column per role in `Role::ALL` order (admin, camat, kasi, petugas, desa, dukcapil,
    /// dinsos, pendamping). Changing the policy means changing this picture on purpose.
    const EXPECTED: &str = "
        ViewSop               X X X X X X X X
        ManageSop             X . . . . . . .
        ManageUsers           X . . . . . . .
        ManageMasterData      X . . . . . . .
        ViewAudit             X X . . . . . .
        ViewResidents         . X X X X X . X
        ViewFullNik           . . X X X X X X
        EditResidents         . . X X X . . .
        SubmitResidents       . . . . X . . .
        VerifySubmissions     . . X X . . . .
        ManageMeetings        . . X X . . . .
        ViewCampaigns         . X X X . X . .
        PlanSchedule          . . X . . . . .
        ApproveSchedule       . X . . . . . .
        RecordVisits          . . . X . X . .
        ViewProduction        . X X X . X . .
        UpdateProduction      . . . . . X . .
        HandoverToKecamatan   . . . . . X . .
        HandoverToDesa        . . . X . . . .
        ConfirmReceipt        . . . . X . . .
        ViewAssistance        . X X X X . X X
        ManagePrograms        . . X . . . X .
        CoordinateAssistance  . . X X X . X .
        ProposeAssistance     . . . X X . . X
        EvaluateProposals     . . X . . . X .
        FacilitateRecipients  . . . X X . . X
        PauseSteps            . . X . . X . .
        ViewDashboard         . X X . . . . .
        ViewReports           . X X . . X X .
    ";

    #[test]
    fn every_cell_of_the_policy_matches_the_expected_table() {
        let rows: Vec<&str> = EXPECTED.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        assert_eq!(rows.len(), Action::ALL.len(), "one row per action");
        let mut cells = 0;
        for (row, action) in rows.iter().zip(Action::ALL) {
            let mut parts = row.split_whitespace();
            assert_eq!(parts.next(), Some(format!("{action:?}").as_str()));
            let marks: Vec<&str> = parts.collect();
            assert_eq!(marks.len(), Role::ALL.len());
            for (mark, role) in marks.iter().zip(Role::ALL) {
                assert_eq!(allowed(role, action), *mark == "X", "policy cell {role} × {action:?}");
                cells += 1;
            }
        }
        assert_eq!(cells, 8 * 29);
    }

    #[test]
    fn each_role_works_on_the_steps_of_its_lanes_that_it_can_open() {
        let sop = crate::sop::SopDefinition::from_toml(crate::sop::BUILTIN_TOML).expect("the built-in SOP");
        for step in &sop.steps {
            assert!(
                step_actions(&step.key).is_some(),
                "step {} ({}) is known",
                step.no,
                step.key
            );
        }
        let work = |role: Role| -> Vec<u32> {
            sop.steps_for_role(role)
                .into_iter()
                .filter(|s| works_on_step(role, &s.key))
                .map(|s| s.no)
                .collect()
        };
        // The SOP's "Dinas" lane holds both: each keeps its own part.
        assert_eq!(work(Role::Dispendukcapil), vec![3, 5, 6, 7]);
        assert_eq!(work(Role::Dinsos), vec![9, 11]);
        assert_eq!(work(Role::Petugas), vec![2, 3, 5, 7, 8, 9, 10, 12]);
        assert_eq!(work(Role::OperatorDesa), vec![1, 8, 9, 10, 12]);
        assert_eq!(work(Role::KasiPelayanan), vec![3, 4, 9, 11]);
        assert_eq!(work(Role::Camat), vec![3, 4]);
        assert!(
            works_on_step(Role::Dinsos, "langkah_baru_revisi"),
            "unknown steps count by lane"
        );
    }

    #[test]
    fn admin_never_sees_personal_data() {
        assert!(!allowed(Role::Admin, Action::ViewResidents));
    }
}
