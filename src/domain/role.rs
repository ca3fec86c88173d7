use std::fmt;
use std::str::FromStr;

/// The role an API key acts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Configures the service; sees anonymous reporters' identity (as does `Privacy`).
    Admin,
    /// Front office: registers face-to-face, suggestion-box and letter complaints.
    Reception,
    /// Pejabat Penghubung SP4N-LAPOR!.
    Liaison,
    /// Officials under the head of office.
    Official,
    /// Head of office (Kepala Dinas).
    Head,
    /// Supervisors who read figures and overdue lists.
    Manager,
    /// Another agency's system: creates complaints and reads the ones it created.
    Integration,
    /// The data-protection officer (UU 27/2022): finds, exports and erases
    /// a person's data, keeps the breach register; sees identities.
    Privacy,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::Reception,
        Role::Liaison,
        Role::Official,
        Role::Head,
        Role::Manager,
        Role::Integration,
        Role::Privacy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Reception => "reception",
            Role::Liaison => "liaison",
            Role::Official => "official",
            Role::Head => "head",
            Role::Manager => "manager",
            Role::Integration => "integration",
            Role::Privacy => "privacy",
        }
    }

    /// May register a new complaint.
    pub fn can_create_complaints(self) -> bool {
        matches!(
            self,
            Role::Admin | Role::Reception | Role::Liaison | Role::Integration
        )
    }

    /// May read every complaint (integration keys only read their own).
    pub fn can_read_all_complaints(self) -> bool {
        !matches!(self, Role::Integration)
    }

    /// May add attachments to a complaint it can read.
    pub fn can_add_attachments(self) -> bool {
        matches!(
            self,
            Role::Admin | Role::Reception | Role::Liaison | Role::Integration
        )
    }

    /// Sees the reporter's identity of an anonymous complaint.
    pub fn sees_anonymous_identity(self) -> bool {
        matches!(self, Role::Admin | Role::Privacy)
    }

    /// May find a person's complaints by NIK, phone or email at the desk
    /// ("how is my complaint?"): the front office, the privacy officer and
    /// admins. Each search is written to the privacy audit with its reason.
    pub fn may_search_people(self) -> bool {
        matches!(
            self,
            Role::Reception | Role::Liaison | Role::Privacy | Role::Admin
        )
    }

    /// May look a person up by NIK, phone or email, export and erase their
    /// data, and keep the breach register.
    pub fn handles_personal_data_requests(self) -> bool {
        matches!(self, Role::Privacy)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error(
    "unknown role `{0}` (expected one of: admin, reception, liaison, official, head, manager, integration, privacy)"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().ok(), Some(r));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn only_admin_and_privacy_see_anonymous_identity() {
        let seeing: Vec<_> = Role::ALL
            .into_iter()
            .filter(|r| r.sees_anonymous_identity())
            .collect();
        assert_eq!(seeing, vec![Role::Admin, Role::Privacy]);
    }
}
