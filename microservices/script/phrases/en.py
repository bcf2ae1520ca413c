"""English."""

from microservices.script.phrases import Frame, Phrases, Tone

PHRASES = Phrases(
    name="English",
    quotes=("\u201c", "\u201d"),
    lower_after_colon=False,
    function_words=frozenset(),
    generic_points=(
        "{title} sounds simple, but there is more going on beneath the surface than most "
        "people think.",
        "The key is to look at where {title} comes from and why it matters today.",
        "Small details change everything here, and once you see them, you cannot unsee them.",
        "People who understand {title} make better decisions, because they see the pattern "
        "behind it.",
        "The best way to remember it is to connect it to something you already know.",
    ),
    frames={
        "storytelling": Frame(
            intro=(
                "This is a story about {title}.",
                "Let me tell you a story: the story of {title}.",
            ),
            lead=(
                "It all began like this:",
                "Then something shifted:",
                "And that is when it happened:",
                "Soon after:",
                "Later on:",
            ),
            develop=(
                "Nobody saw it coming, and yet every sign had been there from the start.",
                "Every story has a moment where things could go either way, and this was it.",
                "It is the kind of detail that stays with you long after the story ends.",
                "And this is where {title} stops being just a story and becomes a lesson.",
            ),
            outro=(
                "And that is the story of {title}.",
                "That is how the story of {title} ends, at least for now.",
            ),
        ),
        "youtube_short": Frame(
            intro=(
                "{title}: here is what you need to know in under a minute.",
                "Sixty seconds on {title}. Let's go.",
            ),
            lead=("First:", "Next:", "Also:", "And:", "Plus:", "One more thing:"),
            develop=(
                "Sounds small, but it changes everything.",
                "Most people miss this part.",
                "Keep that in mind, it matters.",
                "That's the part nobody tells you.",
            ),
            outro=(
                "That's {title} in under a minute.",
                "Now you know the essentials of {title}.",
            ),
        ),
        "explanation": Frame(
            intro=(
                "Today we explain {title}, step by step, so that it finally makes sense.",
                "What exactly is {title}, and why does it matter? Let's take it apart, piece "
                "by piece.",
            ),
            lead=("Point {n}:",),
            develop=(
                "Why does this matter? Because it shapes everything that comes after.",
                "In other words, the details are not random: they follow a clear logic.",
                "Here is a simple way to picture it: imagine explaining it to a friend over "
                "coffee.",
                "This is also where most misunderstandings about {title} begin.",
                "Put together, these pieces form a picture that is easier to grasp than it "
                "first seemed.",
            ),
            outro=(
                "So that is {title}, explained: the idea, the reasons and what it means in "
                "practice.",
                "To sum up, {title} comes down to a few clear ideas, and now you have them.",
            ),
        ),
        "commercial": Frame(
            intro=("Introducing {title}.", "Meet {title}: made for people who want more."),
            lead=("Here is why:", "And:", "Plus:", "On top of that:", "Best of all:"),
            develop=(
                "It saves you time, and it simply works.",
                "Designed with care, built to last.",
                "Try it once, and you will wonder how you ever managed without it.",
            ),
            outro=("{title}: try it today.", "Don't wait: discover {title} now."),
        ),
        "inspirational": Frame(
            intro=(
                "Let's talk about {title}, and about what you are capable of.",
                "{title}: a reminder that every great change starts with a single step.",
            ),
            lead=(
                "Remember this:",
                "Then this:",
                "And this:",
                "Never forget:",
                "Above all:",
            ),
            develop=(
                "Every setback is a setup for a comeback.",
                "You do not have to be perfect; you just have to begin.",
                "The people you admire started exactly where you are now.",
                "Progress is quiet, but it adds up, day after day.",
            ),
            outro=(
                "So take what {title} teaches you, and make it yours.",
                "Your next step starts now, with {title} as your guide.",
            ),
        ),
        "educational": Frame(
            intro=(
                "In this lesson we study {title}: what it is, how it works and why it matters.",
                "Today's lesson is {title}. By the end, you will be able to explain it yourself.",
            ),
            lead=("Key idea number {n}:",),
            develop=(
                "Take a moment to note this down, because we will build on it.",
                "A good way to check your understanding is to explain this in your own words.",
                "Notice how this connects to what we saw just before.",
                "Here is a quick question to test yourself: could you give an example of this?",
            ),
            outro=(
                "To review: that was {title}, its key ideas and how they fit together.",
                "That completes our lesson on {title}. Try teaching it to someone else today.",
            ),
        ),
        "tutorial": Frame(
            intro=(
                "In this tutorial you will learn {title}, one step at a time.",
                "Here is how to do it: {title}, from start to finish.",
            ),
            lead=("Step {n}:",),
            develop=(
                "Take your time with this step; it makes the next ones easier.",
                "If something does not work, go back and check the previous step.",
                "A quick tip: keep everything you need within reach before you continue.",
                "Once this is done, you are ready to move on.",
            ),
            outro=(
                "And that's it: you have completed {title}.",
                "You now know how to handle {title} on your own.",
            ),
        ),
    },
    tones={
        "educational": Tone(
            opener=(
                "Let's learn something useful today.",
                "Here is something worth understanding.",
            ),
            aside=(
                "Note the reasoning here, not just the facts.",
                "This is a good moment to pause and connect the ideas.",
                "Remember: understanding beats memorising.",
                "Write this point down, it will come back.",
            ),
            closer=(
                "Keep learning, and keep asking why.",
                "Review it once more tomorrow, and it will stay with you.",
            ),
        ),
        "inspirational": Tone(
            opener=(
                "You are capable of more than you imagine.",
                "Today is a good day to begin.",
            ),
            aside=(
                "Believe in that.",
                "You can do this!",
                "Every step counts, even the smallest one.",
                "Your effort matters more than you know.",
                "Keep going!",
            ),
            closer=(
                "Go out there and make it happen!",
                "The best is yet to come, so keep moving forward.",
            ),
        ),
        "comedic": Tone(
            opener=(
                "Okay, buckle up, because this one is funnier than it has any right to be.",
                "Fair warning: this gets a little ridiculous.",
            ),
            aside=(
                "Yes, really. I checked. Twice.",
                "If that sounds absurd, that's because it is, a little.",
                "My cat was not impressed, but my cat is never impressed.",
                "Don't laugh. Okay, laugh a little.",
                "Plot twist: it actually makes sense.",
            ),
            closer=(
                "If you smiled even once, my work here is done.",
                "Go tell a friend, and pretend you knew this all along.",
            ),
        ),
        "dramatic": Tone(
            opener=(
                "Everything you thought you knew is about to change.",
                "Listen closely. This matters.",
            ),
            aside=(
                "Think about that.",
                "And then... silence.",
                "Nothing would ever be the same.",
                "The stakes could not be higher.",
                "One moment. One choice.",
            ),
            closer=("The question is: what will you do now?", "Remember this moment."),
        ),
        "casual": Tone(
            opener=("Hey, so here's the thing.", "Alright, let's keep this simple."),
            aside=(
                "Pretty cool, right?",
                "No big deal, but it's good to know.",
                "Honestly, that's the part I like best.",
                "Stick with me, it gets better.",
                "Easy, right?",
            ),
            closer=(
                "Anyway, that's it from me. Catch you next time!",
                "So yeah, give it a try and see how it goes.",
            ),
        ),
        "professional": Tone(
            opener=("Here is a concise overview.", "Let us focus on what matters most."),
            aside=(
                "This has a direct impact on results.",
                "The evidence consistently supports this approach.",
                "It is a practical point worth acting on.",
                "Clarity at this stage saves time and resources later.",
            ),
            closer=(
                "Thank you for your attention.",
                "The next steps are clear and actionable.",
            ),
        ),
    },
)
