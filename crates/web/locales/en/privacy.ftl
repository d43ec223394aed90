# Member-controlled privacy: sharing, Part 2 consent, firewall, emergency
# access, the privacy officer, health entries and contact notes.

nav-sharing = Who sees what
nav-privacy = Privacy office
nav-emergency = Emergency access
persona-privacy-officer = Privacy officer

hidden-by-choice = Hidden by the member's choice
hidden-list = The member has chosen not to share with you: { $list }.

category-demographics = Name, date of birth, town and languages
category-contact = Phone and email
category-identity = Identity (race, ethnicity, gender, orientation, faith)
category-mental-health = Mental health
category-substance-use = Substance use
category-hiv = HIV
category-peer-notes = Notes from peer contacts
category-recovery-goals = Recovery goals
category-care-plan = Care plan and needs
category-billing = Insurance and billing
# Only that acute care happened and when: never why or where.
category-care-alert = Care alerts: that you were in the emergency room or hospital, and the day (never why or where)

purpose-treatment = Care and treatment
purpose-payment = Payment
purpose-operations = Running the program
purpose-emergency = Emergency

modality-in-person = In person
modality-phone = Phone
modality-video = Video
modality-text = Text message

setting-home = Home
setting-community = Community
setting-recovery-learning-community = Recovery Learning Community
setting-clinic = Clinic
setting-emergency-department = Emergency department
setting-inpatient = Hospital stay
setting-virtual = Online

sharing-title = Who sees what
sharing-intro = You decide what each person on your care team can see. Changes work right away, the next time they open your record.
sharing-basics = Everyone on your team can see your name, date of birth, town and languages, so they know who you are.
sharing-saved = Saved. Your choice works from now on.
sharing-team-heading = Your care team
sharing-firewalled = You asked that this person see nothing about you.
sharing-may-see = What { $name } may see
sharing-purposes = For what purpose
sharing-until = Until (leave empty for no end date)
sharing-save = Save for { $name }
sharing-withdraw = Go back to the usual for { $name }
sharing-sees = Sees now: { $list }.
sharing-sees-only-basics = Sees now: only your name, date of birth, town and languages.
sharing-roles-heading = Everyone in a role
sharing-roles-intro = A choice here applies to everyone in that role on your team, unless you made a choice for them by name.
sharing-everyone-in-role = Everyone in this role
sharing-peer-supervisor = Supervises your peer (not on your team): you can stop sharing with them, not share more
sharing-members-only = This page is for members, to decide who sees their information.

part2-heading = Sharing substance-use information (federal rule 42 CFR Part 2)
part2-explain = Substance-use information is shared only with your written consent. Type your name to sign, say who may receive it, and choose when the consent ends. Tick "Substance use" above too.
part2-revoke = You can take back this consent at any time on this page.
field-part2-signed-by = Your name (your signature)
field-part2-recipients = Who may receive it
field-part2-expires-on = Consent ends on
field-until = Until
field-recipient = Person
field-purposes = Purpose
field-categories = What they may see

firewall-heading = People you know socially
firewall-intro = If someone who works in these programs knows you outside of care, you can name them here. They will see nothing about you, wherever they work, unless there is an emergency.
firewall-search = Search by name
firewall-none-found = Nobody found with that name.
firewall-add = Keep my information from { $name }
firewall-remove = Remove { $name }

emergency-log-heading = Emergency access to your record
emergency-log-empty = Nobody has used emergency access to your record.
emergency-log-caption = Each time someone opened your record in an emergency, and why
emergency-title = Emergency access
emergency-intro = Use this only in an emergency, for a member you cannot otherwise see. Access ends after { $hours } hours. The member sees that you used it and why, and the privacy officer reviews it.
emergency-reason = Reason
emergency-reason-hint = Say in a sentence what the emergency is.
emergency-open = Open the record
emergency-not-for-you = Emergency access is for staff who treat members.
emergency-banner = You are using emergency access. It is recorded, the member sees it, and the privacy officer reviews it.

privacy-title = Privacy office
privacy-alerts = Emergency accesses to review
privacy-no-alerts = No emergency access is waiting for review.
privacy-alerts-caption = Emergency accesses not yet reviewed, newest first
privacy-member = Member
privacy-review = Mark reviewed
privacy-search = Search the audit trail
privacy-actor = Username
privacy-from = From
privacy-to = To
privacy-decision = Decision
privacy-any = Any
privacy-permitted = Permitted
privacy-purpose = Purpose
privacy-export = Download these events as CSV
privacy-no-events = No events match.
privacy-events-caption = Audit events, newest first
privacy-categories = Information disclosed
privacy-address = Address

audit-action-break-glass = Opened emergency access
audit-action-search = Searched the audit trail
audit-action-export = Exported the audit trail
audit-action-review = Reviewed an emergency access

health-heading = Health information
part2-notice-label = Federal notice on substance-use records
health-empty = No health information you may see.
health-add = Add health information
health-category = Kind of information
health-text = What to record
health-save = Save

notes-heading = Peer contacts
notes-empty = No contacts you may see.
notes-caption = Contacts with a peer, newest first
notes-date = Date
notes-minutes = Minutes
notes-modality = How
notes-setting = Where
notes-note = Note
notes-log = Log a contact
notes-note-hint = One line at most. Write only what the member would be comfortable reading.
notes-save = Save contact

err-part2-signature = Type your name to sign the consent.
err-part2-recipients = Say who may receive the information.
err-part2-expiry = Choose the date the consent ends.
err-in-the-past = Choose today or a later date.
err-unknown-category = “{ $value }” is not a kind of information.
err-unknown-purpose = Choose treatment, payment or operations.
err-purpose-required = Choose at least one purpose.
err-recipient = Choose a person, an organization or a team role from the page.
err-reason-short = Say in a sentence why this is an emergency.
err-no-such-member = No member has this MassHealth ID. Check the number.
err-health-category = Choose mental health, substance use, HIV or care plan.
err-choice = Choose one of the options.
err-one-line = Write one line only.

# Emergency access, care-team changes and enrolment codes
persona-clinician = Clinician
emergency-category = What kind of emergency
emergency-category-medical-emergency = A medical emergency
emergency-category-risk-of-harm = A risk of harm to the member or others
emergency-category-other = Something else (say what below)
field-reason-category = Kind of emergency
err-cannot-take-role = This person cannot take that role on the team. Check the person and the role.
err-already-on-team = This person is already on the team in this role.
err-has-account = This member already has an account and signs in with it.
err-no-contact-on-record = The record has no such contact. Show the code instead, or correct the record first.
notice-enrolment-code = Your Accompany code to open your account: { $code }. It works once, for { $hours } hours.
notice-break-glass-alert = { $who } opened emergency access to a member's record. Please review it.
notice-break-glass-member = { $who } opened your record in an emergency. It closes after { $hours } hours. See who looked on your sharing page.
notice-team-added = { $who } joined your care team.
notice-team-request = { $who } asked to join your care team. Answer on your sharing page.
notice-team-request-plan = { $who } asked to join the care team of a member of your plan.
notice-team-request-approved = Your request to join a member's care team was approved.
notice-team-request-declined = Your request to join a member's care team was declined.
sharing-team-changes = Changes to your team
sharing-team-change = { $who } ({ $role }): { $change } { $at }
sharing-team-change-by = by { $by }
team-change-enrolled = joined when your record was made
team-change-added = was added
team-change-approved = joined with your approval
sharing-requests = Asking to join your team
sharing-requests-none = Nobody is waiting.
sharing-request-approve = Let them join
sharing-request-decline = Say no
sharing-request-why = Why: { $reason }
audit-action-claim = Opened an account with an enrolment code
audit-action-add = Changed the care team
audit-action-join = Joined the care team
audit-action-ask-to-join = Asked to join the care team
audit-action-answer = Tried to answer a request to join
audit-action-approve = Approved a request to join
audit-action-decline = Declined a request to join
audit-action-enrol = Enrolled a request onto the record
enrolment-code-heading = An account for this member
enrolment-code-intro = The member has no account yet. Give them a one-time code to open one: read it out or print it, or send it to the contact details on the record. A new code replaces the old one.
enrolment-code-delivery = How to give the code
enrolment-code-show = Show it here, once
enrolment-code-email = Send it to the email on the record
enrolment-code-text = Send it by text to the phone on the record
enrolment-code-issue = Make a code
enrolment-code-shown = The code, shown once: { $code }. It works once, until { $expires } (UTC).
enrolment-code-sent = The code is on its way. It works once, until { $expires } (UTC).
sharing-payers-heading = Your health plans
sharing-payers-intro = Your plan gets the diagnosis a claim names when your peer's work is billed. A substance-use diagnosis goes to a plan only with your written consent (42 CFR Part 2). One consent can cover treatment, payment and operations.
sharing-payer-role = Health plan or payer
