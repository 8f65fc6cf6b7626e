/**
 * Starting content for a new Headworks site, written for CIPCA.
 *
 * This is the project's own wording. Association admins are expected to
 * replace or edit it through the admin pages once the site is running.
 * All Markdown is plain CommonMark: headings, paragraphs, lists, links and
 * emphasis only (no raw HTML, no images). Page bodies start at H2 because the
 * page template renders the title as the H1.
 */

export interface SeedPage {
  slug: string;
  title: string;
  description: string;
  bodyMarkdown: string;
  menuOrder: number | null;
  visibility: 'public' | 'members';
}

export interface SeedNewsPost {
  slug: string;
  title: string;
  summary: string;
  bodyMarkdown: string;
}

export const seedSettings: {
  associationName: string;
  shortName: string;
  tagline: string;
  contactEmail: string;
  timeZone: string;
} = {
  associationName: 'Colorado Industrial Pretreatment Coordinators Association',
  shortName: 'CIPCA',
  tagline:
    "Connecting Colorado's pretreatment professionals through training, shared know-how and a common voice.",
  contactEmail: 'info@cipca.example.org',
  timeZone: 'America/Denver',
};

const homeBody = `## What is industrial pretreatment?

Many businesses send their wastewater down the sewer to a municipal treatment plant instead of discharging it straight to a river or stream. Industrial pretreatment is the practice of reducing or removing pollutants from that wastewater *before* it reaches the sewer, so the plant can do its job (see "pretreatment", 40 CFR 403.3(s)).

The **National Pretreatment Program** (40 CFR Part 403) sets the rules. It is part of the Clean Water Act's NPDES permit program and works as a partnership between federal, state and local agencies:

- EPA, or a state authorized to run the program, approves local pretreatment programs.
- The local treatment works (the POTW) then issues permits to its Industrial Users (40 CFR 403.3(j)), inspects and samples them, and takes enforcement action when limits are not met.

The program has two main aims:

- protect the sewer system and the treatment plant from damage and upsets, and
- keep conventional and toxic pollutants from industrial and other non-household sources out of the sewer, and out of the rivers, soils and air beyond it.

## What is a POTW?

POTW stands for *publicly owned treatment works* (40 CFR 403.3(q)): a wastewater treatment works owned by a state or a municipality. Under the regulation the term covers:

- the equipment and systems used to store, treat, recycle or reclaim municipal sewage or liquid industrial waste;
- the sewers, pipes and other conveyances that carry wastewater to the treatment plant; and
- the municipality that has jurisdiction over the indirect discharges going into the works and the discharges coming out of it.

## Who we are

The Colorado Industrial Pretreatment Coordinators Association (CIPCA) brings together the people who work in industrial pretreatment across Colorado. We:

- give members a place to share technical information and compare notes on pretreatment rules;
- speak for our members at regulatory hearings and other meetings when representation is needed or wanted;
- offer education and training for people at every stage of their pretreatment career; and
- help local pretreatment programs get started, grow and improve.

## Who should join

If you work in pretreatment in Colorado, CIPCA is for you. That includes people who are just learning to inspect and sample as well as coordinators with decades of permits behind them.

Throughout the year, members can take part in:

- trainings on the day-to-day work of a pretreatment program,
- tours of treatment plants and industrial sites, and
- a growing collection of resource materials.

## Become a member

Pretreatment rules can be hard to navigate on your own. Joining CIPCA connects you with colleagues who have faced the same questions, and with trainings and tours all year long.

[Become a member](/join) today. Already a member? [Log in](/login) to reach the members' corner.
`;

const aboutBody = `## Our mission

CIPCA exists to support the people who run and work within industrial pretreatment programs in Colorado. We help them stay current on the National Pretreatment Program (40 CFR Part 403), learn from one another, and protect the state's sewer systems, treatment plants and waters.

## What members get

- **Trainings and tours all year.** Classroom sessions and site visits, with a record of the training hours you earn at each one.
- **Technical exchange.** A network of peers at POTWs, state agencies and private firms who can answer the questions that come up in permitting, inspection and enforcement work.
- **A resource library.** Reference material, examples and presentations collected for members.
- **Representation.** When regulations are being written or reviewed, the association can speak at hearings and meetings on behalf of its members.

## How the association is run

CIPCA is a volunteer organization. Its work is led by the volunteer board, whose members are elected by the membership. The board plans the training calendar, manages the association's finances and represents members when needed.

Members are welcome to help: suggest a training topic, offer to host a tour, or volunteer for a board seat at the next election.
`;

const trainingsBody = `## What we offer

CIPCA holds trainings and tours throughout the year so members can keep their skills sharp and see how other programs work.

**Classroom trainings** cover the core tasks of a pretreatment program, for example:

- wastewater sampling methods and chain of custody;
- writing and issuing permits to Industrial Users (40 CFR 403.3(j));
- building and applying an enforcement response plan; and
- developing and updating local limits.

**Tours** take members inside:

- POTWs (40 CFR 403.3(q)) around the state, to see how different plants handle the flows they receive; and
- industrial facilities, to see pretreatment systems in operation and talk with the people who run them.

## Training hours

Members receive a certificate of training hours for the events they attend. Keep these for your own records and for any certification or continuing-education requirements that apply to you.

## Upcoming events

For now, the event calendar is posted in [News](/news). Check there for dates, locations and how to sign up.
`;

const joinBody = `## Who can join

Membership is open to anyone involved in industrial pretreatment in Colorado, whether you work for a POTW, a state or federal agency, an industry, or a company that serves the field.

## Membership types

- **Individual** - for one person working in pretreatment.
- **Agency** - a bundle covering the pretreatment staff of a single POTW.
- **Associate** - for consultants, laboratories, vendors and others who support pretreatment programs.
- **Student or retired** - a reduced rate for people in school or retired from the field.

Dues are paid yearly. The board sets the current rates; ask us for the latest figures.

## How to join

An online application is coming soon. Until then, to join, write to the association at [info@cipca.example.org](mailto:info@cipca.example.org). Tell us your name, your employer (if any) and the membership type you are interested in, and we will reply with the next steps.
`;

const contactBody = `## Get in touch

The best way to reach CIPCA is by e-mail at [info@cipca.example.org](mailto:info@cipca.example.org).

## When to expect a reply

CIPCA is run by volunteers who also have full-time jobs, so please allow a few business days for an answer. If your question is about an upcoming training or tour, write early so there is time to help.

## Reaching the board

Messages for the volunteer board can be sent to the same address. Mention "for the board" in the subject line and your message will be passed on.
`;

const membersBody = `## Welcome, members

Thank you for being part of CIPCA. This corner of the site is visible only to signed-in members.

## What you will find here

Members-only resources will appear on this page as they are added, such as:

- training materials and presentations,
- records of your training hours, and
- documents shared among members.

## Your account

To change your password or update your details, go to [your account page](/account). If you ever forget your password, use the "forgot password" link on the log-in page and a reset link will be sent to your e-mail address.
`;

export const seedPages: SeedPage[] = [
  {
    slug: 'home',
    title: 'Colorado Industrial Pretreatment Coordinators Association',
    description:
      "CIPCA supports Colorado's industrial pretreatment professionals with training, tours, resources and a shared voice.",
    bodyMarkdown: homeBody,
    menuOrder: null,
    visibility: 'public',
  },
  {
    slug: 'about',
    title: 'About CIPCA',
    description:
      "Learn about CIPCA's mission, what membership offers and how the volunteer board runs the association.",
    bodyMarkdown: aboutBody,
    menuOrder: 1,
    visibility: 'public',
  },
  {
    slug: 'trainings',
    title: 'Trainings and tours',
    description:
      'CIPCA trainings and tours on sampling, permitting, enforcement and local limits, with training-hour certificates.',
    bodyMarkdown: trainingsBody,
    menuOrder: 2,
    visibility: 'public',
  },
  {
    slug: 'join',
    title: 'Become a member',
    description:
      'Who can join CIPCA, the membership types on offer, yearly dues and how to apply.',
    bodyMarkdown: joinBody,
    menuOrder: 3,
    visibility: 'public',
  },
  {
    slug: 'contact',
    title: 'Contact',
    description:
      'How to reach CIPCA and its volunteer board by e-mail, and when to expect a reply.',
    bodyMarkdown: contactBody,
    menuOrder: 4,
    visibility: 'public',
  },
  {
    slug: 'members',
    title: "Members' corner",
    description:
      'Members-only resources and account help for signed-in CIPCA members.',
    bodyMarkdown: membersBody,
    menuOrder: 5,
    visibility: 'members',
  },
];

const welcomeNewsBody = `CIPCA has a new website. It brings our introduction to pretreatment, our trainings and tours, and membership information together in one place.

Members can now [log in](/login) with their e-mail address. If you have not set a password yet, or have forgotten it, use the "forgot password" link on the log-in page and we will e-mail you a link to choose a new one.

Once you are signed in, visit the [members' corner](/members) for resources set aside for members, and your [account page](/account) to change your password.

We will keep adding to the site over the coming months. If something is missing or not working, let us know at [info@cipca.example.org](mailto:info@cipca.example.org).
`;

export const seedNews: SeedNewsPost[] = [
  {
    slug: 'welcome-to-the-new-website',
    title: 'Welcome to our new website',
    summary:
      'CIPCA has launched a new website where members can log in, reset their password by e-mail and visit the members\' corner.',
    bodyMarkdown: welcomeNewsBody,
  },
];
